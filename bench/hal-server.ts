import cluster from 'node:cluster';
import { readFileSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, Server, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
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
const epoch = (t: number) => performance.timeOrigin + t;

/**
 * `BENCH_SOAK_TRACE=1`: every request's time inside HAL, from Node's `request` event to the end of
 * its response, with its start in epoch ms and its path (and body length: the token endpoint's two
 * grants differ in it). Sent with the pauses below; a diagnosis, off by default.
 */
let served: { at: number; ms: number; what: string }[] = [];
if (process.env.BENCH_SOAK_TRACE === '1') {
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string, ...args: unknown[]) {
    if (event === 'request') {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      const began = performance.now();
      const what = `${req.url} ${req.headers['content-length'] ?? ''}`;
      res.once('finish', () => served.push({ at: epoch(began), ms: performance.now() - began, what }));
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}
const server = await startServer(config);
// With the trace, every statement's time from being sent (queued for a pooled connection, if none is
// free) to its result, by its first words.
let statements: { at: number; ms: number; what: string }[] = [];
if (process.env.BENCH_SOAK_TRACE === '1') {
  const { activity } = server.services.database;
  activity.hook = (sql) => {
    const began = performance.now();
    const what = sql.replace(/\s+/g, ' ').slice(0, 48);
    const busy = activity.pool().waiting;
    return () =>
      statements.push({
        at: epoch(began),
        ms: performance.now() - began,
        what: `${what}${busy ? ' (queued)' : ''}`,
      });
  };
}
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
 * Garbage-collection pauses and the event loop's delay since the last `{ type: 'gc' }` message,
 * answered to it (the soak asks before and after its run): what of HAL's tail latency its own
 * collector and its own synchronous work account for. Each pause and each stall of the loop (a 5 ms
 * timer firing over 5 ms late) comes with its start in epoch ms, for the soak to line them up with
 * its slow requests. Nothing runs until the first message: the other scenarios do without it.
 */
let pauses: { at: number; ms: number }[] = [];
let stalls: { at: number; ms: number; cpu: number }[] = [];
const delay = monitorEventLoopDelay({ resolution: 5 });
let ticking: NodeJS.Timeout | undefined;
const tick = () => {
  let last = performance.now();
  let cpu = process.cpuUsage();
  ticking = setInterval(() => {
    const now = performance.now();
    const late = now - last - 5;
    const used = process.cpuUsage(cpu);
    // The process's CPU time over the stall: near its length, HAL's own work (or a collection);
    // near 0, the core was given to another process.
    if (late > 5) stalls.push({ at: epoch(last + 5), ms: late, cpu: (used.user + used.system) / 1000 });
    last = now;
    cpu = process.cpuUsage();
  }, 5);
  ticking.unref();
};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push({ at: epoch(entry.startTime), ms: entry.duration });
}).observe({ entryTypes: ['gc'] });
process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'gc') return;
  const loop = ticking && {
    p50: delay.percentile(50) / 1e6,
    p99: delay.percentile(99) / 1e6,
    max: delay.max / 1e6,
    mean: delay.mean / 1e6,
    stalls,
  };
  process.send?.({ type: 'gc', pauses, loop, served, statements });
  pauses = [];
  served = [];
  statements = [];
  stalls = [];
  delay.reset();
  if (!ticking) {
    delay.enable();
    tick();
  }
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
