import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { chainHooks } from './load';
import type { MixPart } from './scenarios';

export interface Latency {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface PartResult extends Latency {
  name: string;
  weight: number;
  /** Completed responses, whatever their status. */
  requests: number;
  non2xx: number;
}

export interface MixRun {
  seconds: number;
  connections: number;
  /** The req/s the run was paced at (undefined: as fast as the server answers). */
  rate?: number;
  /** Completed responses per second. */
  rps: number;
  requests: number;
  non2xx: number;
  /** Connection errors and timeouts (autocannon counts a timeout as an error too). */
  errors: number;
  timeouts: number;
  /** Errors by code or message (`ECONNRESET`, `request timed out`, …). */
  errorKinds: Record<string, number>;
  statuses: Record<string, number>;
  latency: Latency;
  parts: PartResult[];
  /** Refresh chains left in the pool when the run ended. */
  poolLeft?: number;
  /** Every response: when its request was built (epoch ms), its latency (ms), its part's index. */
  samples: Sample[];
}

export interface Sample {
  at: number;
  ms: number;
  part: number;
}

/** Nearest-rank percentiles of latencies in ms. */
function latency(values: number[]): Latency {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1] ?? 0 };
}

/** One cycle of the mix, each part `weight` times, interleaved: 2,1,1,1 gives A B C D A. */
function cycle(parts: MixPart[]): MixPart[] {
  const left = parts.map((p) => p.weight);
  const order: MixPart[] = [];
  while (left.some((w) => w > 0))
    parts.forEach((p, i) => {
      if ((left[i] as number) > 0) {
        order.push(p);
        left[i] = (left[i] as number) - 1;
      }
    });
  return order;
}

interface Stamp {
  sent?: number;
}

/**
 * Runs a mix of requests against one server: every connection cycles through the mix in order.
 * Each response's latency is measured per part, from the moment its request is built (right before
 * autocannon writes it) to the moment its body is complete.
 *
 * Unpaced (`rate` undefined), one autocannon instance keeps `connections` requests in flight: the
 * server's peak. Paced, autocannon's own rate limit is not used as is: it lets every connection send
 * its whole quota for the second back to back as soon as the second starts, all connections in step,
 * so a run at 80% of peak is a saturated burst followed by idle time, with saturated latencies. Here
 * each connection is an autocannon instance of its own with its share of `rate` (`connectionRate`),
 * and the instances start 1/`connections` s apart, so the bursts are spread over the second.
 */
export async function runMix(
  parts: MixPart[],
  opts: { seconds: number; connections: number; rate?: number },
): Promise<MixRun> {
  const first = parts[0];
  if (!first) throw new Error('runMix: an empty mix');
  const origin = new URL(first.load.url).origin;
  const times = new Map(parts.map((p) => [p.name, [] as number[]]));
  const samples: Sample[] = [];
  const non2xx = new Map(parts.map((p) => [p.name, 0]));
  const statuses: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};

  const request = (part: MixPart): autocannon.Request => {
    const url = new URL(part.load.url);
    const index = parts.indexOf(part);
    const hooks = part.load.chain && chainHooks(part.load.chain);
    const list = times.get(part.name) as number[];
    return {
      method: part.load.method,
      path: url.pathname + url.search,
      headers: part.load.headers,
      ...(part.load.body !== undefined && { body: part.load.body }),
      setupRequest: (req, context) => {
        (context as Stamp).sent = performance.now();
        return hooks ? hooks.setupRequest(req) : req;
      },
      onResponse: (status, body, context) => {
        const sent = (context as Stamp).sent ?? Number.NaN;
        const ms = performance.now() - sent;
        list.push(ms);
        samples.push({ at: performance.timeOrigin + sent, ms, part: index });
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status < 200 || status > 299) non2xx.set(part.name, (non2xx.get(part.name) ?? 0) + 1);
        hooks?.onResponse(status, body);
      },
    };
  };
  const start = (connections: number, connectionRate?: number) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: origin,
          connections,
          duration: opts.seconds,
          pipelining: 1,
          requests: cycle(parts).map(request),
          // autocannon "corrects" paced latencies with an expected interval of ceil(1 / rate) ms,
          // i.e. 1 ms, which floods its histogram with made-up samples; ours are measured, not corrected.
          ...(connectionRate && { connectionRate, ignoreCoordinatedOmission: true }),
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
      instance.on('reqError', (error: { code?: string; message?: string }) => {
        const kind = error.code ?? error.message ?? String(error);
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
      });
    });

  const runs: Promise<autocannon.Result>[] = [];
  let connections = opts.connections;
  if (opts.rate === undefined) runs.push(start(connections));
  else {
    const rate = Math.max(1, Math.round(opts.rate));
    connections = Math.min(connections, rate);
    const began = performance.now();
    for (let i = 0; i < connections; i++) {
      const wait = began + (i * 1000) / connections - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const run = start(1, Math.floor(rate / connections) + (i < rate % connections ? 1 : 0));
      // Promise.all below reports a failure; this keeps it from being unhandled until then.
      run.catch(() => {});
      runs.push(run);
    }
  }
  const results = await Promise.all(runs);

  const all = [...times.values()].flat();
  const sum = (f: (r: autocannon.Result) => number) => results.reduce((s, r) => s + f(r), 0);
  const chain = parts.find((p) => p.load.chain)?.load.chain;
  return {
    seconds: opts.seconds,
    connections,
    ...(opts.rate !== undefined && { rate: Math.round(opts.rate) }),
    // Each instance ran `seconds`: the rates add up.
    rps: sum((r) => r.requests.total / (r.duration || opts.seconds)),
    requests: all.length,
    non2xx: [...non2xx.values()].reduce((s, n) => s + n, 0),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    errorKinds,
    statuses,
    latency: latency(all),
    parts: parts.map((p) => ({
      name: p.name,
      weight: p.weight,
      requests: times.get(p.name)?.length ?? 0,
      non2xx: non2xx.get(p.name) ?? 0,
      ...latency(times.get(p.name) ?? []),
    })),
    ...(chain && { poolLeft: chain.pool.length }),
    samples,
  };
}

/**
 * Scheduler figures of a thread from /proc (Linux): ms on a CPU and ms runnable but waiting for one;
 * undefined where there is none.
 */
export function schedstat(pid: number, tid = pid): { runMs: number; waitMs: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return { runMs: (run ?? 0) / 1e6, waitMs: (wait ?? 0) / 1e6 };
  } catch {
    return undefined;
  }
}

/** A process's resident set in MiB, from /proc (undefined where there is none). */
export function rssMiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSample {
  /** Seconds since sampling started. */
  t: number;
  mib: number;
}

/** Samples a process's RSS now and every `everyMs`; the returned function takes a last sample and stops. */
export function rssSampler(pid: number, everyMs: number): () => RssSample[] {
  const began = performance.now();
  const samples: RssSample[] = [];
  const take = () => {
    const mib = rssMiB(pid);
    if (mib !== undefined) samples.push({ t: (performance.now() - began) / 1000, mib });
  };
  take();
  const timer = setInterval(take, everyMs);
  return () => {
    clearInterval(timer);
    take();
    return samples;
  };
}

/**
 * A server's memory after a full garbage collection, asked over its IPC channel (hal-server.ts
 * answers `{ type: 'memory' }`); undefined if it does not answer within 10 s.
 */
export function memoryAfterGc(child: ChildProcess): Promise<NodeJS.MemoryUsage | undefined> {
  return new Promise((resolve) => {
    const done = (memory?: NodeJS.MemoryUsage) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(memory);
    };
    const onMessage = (message: { type?: string } & NodeJS.MemoryUsage) => {
      if (message?.type === 'memory') done(message);
    };
    const timer = setTimeout(() => done(), 10_000);
    child.on('message', onMessage);
    if (!child.send?.({ type: 'memory' })) done();
  });
}

export interface Stamped {
  /** Epoch ms. */
  at: number;
  ms: number;
}

/** What hal-server.ts reports of the time since it was last asked (`{ type: 'gc' }`). */
export interface ServerTrace {
  /** Garbage-collection pauses. */
  pauses: Stamped[];
  /** The event loop's delay (ms; `monitorEventLoopDelay`), and its stalls over 5 ms; not on the first ask. */
  loop?: { p50: number; p99: number; max: number; mean: number; stalls: (Stamped & { cpu: number })[] };
  /** `BENCH_SOAK_TRACE=1`: each request's time inside HAL, `what` its path and body length. */
  served: (Stamped & { what: string })[];
  /** `BENCH_SOAK_TRACE=1`: each statement's time from being sent to its result, `what` its first words. */
  statements: (Stamped & { what: string })[];
}

/** HAL's garbage-collection pauses and loop delay since the last call (hal-server.ts), or undefined. */
export function serverTrace(child: ChildProcess): Promise<ServerTrace | undefined> {
  return new Promise((resolve) => {
    const done = (trace?: ServerTrace) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(trace);
    };
    const onMessage = (message: { type?: string } & ServerTrace) => {
      if (message?.type === 'gc') done(message);
    };
    const timer = setTimeout(() => done(), 10_000);
    child.on('message', onMessage);
    if (!child.send?.({ type: 'gc' })) done();
  });
}
