import cluster from 'node:cluster';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { configFrom, startServer } from '@hal/auth-server';

/**
 * HAL as the benchmark runs it: a child process (pinned by the runner), PostgreSQL from
 * `DATABASE_URL`, rate limits and request logs off. Prints `READY {url, pid}` once it listens.
 */
const config = configFrom({
  PORT: process.env.PORT,
  // The processes of bench/hal-cluster.ts share the issuer of the HAL whose tokens they are given.
  HAL_ISSUER: process.env.BENCH_ISSUER ?? `http://127.0.0.1:${process.env.PORT}`,
  DATABASE_URL: process.env.DATABASE_URL,
  HAL_RATE_LIMITS: 'off',
  // Request logs off for the load; `BENCH_HAL_LOG_LEVEL=error` shows what a failing request hit.
  HAL_LOG_LEVEL: process.env.BENCH_HAL_LOG_LEVEL ?? 'silent',
  HAL_SECRET_KEY: process.env.HAL_SECRET_KEY,
  HAL_DATA_DIR: process.env.HAL_DATA_DIR,
});
const server = await startServer(config);
// The pid is this node process's own: the soak samples its RSS. A cluster worker tells its primary.
if (cluster.isWorker) process.send?.({ type: 'ready' });
else console.log(`READY ${JSON.stringify({ url: server.url, pid: process.pid })}`);

/**
 * Over the runner's IPC channel, `{ type: 'memory' }` forces a full garbage collection and answers
 * with `process.memoryUsage()` after it: the heap still reachable then is what a leak grows. The
 * inspector session lives only for the collection, so the load runs without one.
 */
process.on('message', async (message: { type?: string }) => {
  if (message?.type !== 'memory') return;
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.collectGarbage');
  session.disconnect();
  process.send?.({ type: 'memory', ...process.memoryUsage() });
});

/**
 * Garbage-collection pauses since the last `{ type: 'gc' }` message, answered to it (the soak asks
 * before and after its run): what of HAL's tail latency its own collector accounts for.
 */
let pauses: number[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push(entry.duration);
}).observe({ entryTypes: ['gc'] });
process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'gc') return;
  process.send?.({ type: 'gc', pauses });
  pauses = [];
});

process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});

/**
 * With `BENCH_PROFILE_DIR`, SIGUSR2 starts the V8 CPU profiler and the next SIGUSR2 stops it and
 * writes `hal-<label>.cpuprofile`, the label read from `<dir>/label`: a profile of one load run,
 * without start-up or set-up in it.
 */
const profileDir = process.env.BENCH_PROFILE_DIR;
if (profileDir) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  let running = false;
  process.on('SIGUSR2', async () => {
    running = !running;
    if (running) return void (await session.post('Profiler.start'));
    const { profile } = await session.post('Profiler.stop');
    const label = readFileSync(join(profileDir, 'label'), 'utf8').trim();
    writeFileSync(join(profileDir, `hal-${label}.cpuprofile`), JSON.stringify(profile));
  });
}
