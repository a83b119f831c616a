import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';

/**
 * `BENCH_WORKERS` (2) HAL processes behind one port: Node's cluster module, whose primary accepts
 * each connection and hands it to a worker in turn. Each worker is bench/hal-server.ts with the
 * runner's environment (the same PostgreSQL, secret key and issuer as the single HAL). Prints
 * `READY {url, pid}` (the primary's pid: the runner meters the CPU of its process tree) once every
 * worker listens.
 */
const workers = Number(process.env.BENCH_WORKERS ?? 2);
// Built (bench/.build/, beside a built hal-server) or run from source under tsx.
const built = import.meta.url.endsWith('.mjs');
cluster.setupPrimary({
  exec: fileURLToPath(new URL(built ? 'hal-server.mjs' : 'hal-server.ts', import.meta.url)),
  execArgv: built ? ['--enable-source-maps'] : ['--import', 'tsx'],
});
// One after the other: each starts as a HAL instance does (migrations, caches, change feed).
for (let i = 0; i < workers; i++) {
  const worker = cluster.fork();
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { type?: string }) => {
      if (message?.type === 'ready') resolve();
    });
    worker.once('exit', (code) => reject(new Error(`HAL worker exited with ${code} before it was ready`)));
  });
}
console.log(`READY ${JSON.stringify({ url: `http://127.0.0.1:${process.env.PORT}`, pid: process.pid })}`);

process.on('SIGTERM', async () => {
  await Promise.all(
    Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (!worker) return resolve();
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    ),
  );
  process.exit(0);
});
