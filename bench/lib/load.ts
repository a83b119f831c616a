import autocannon from 'autocannon';

/** A token pool whose tokens rotate: each response names the token that replaces the one sent. */
export interface Chain {
  pool: string[];
  body(token: string): string;
  /** The successor in a 200 response body. */
  next(responseBody: string): string | undefined;
}

export interface Load {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  chain?: Chain;
}

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  /** Chains left when the run ended (refresh scenarios). */
  poolLeft?: number;
  /** CPU time of the server process per completed request, in µs. */
  cpuUs?: number;
  /**
   * The part of `cpuUs` spent in the kernel (sockets, wake-ups). On these VMs it grows as a server
   * gets slower, for the same work: below saturation the load generator sleeps between answers,
   * and waking it costs the server more than the write itself.
   */
  kernelUs?: number;
  /** CPU time of PostgreSQL per completed request, in µs (HAL only). */
  pgUs?: number;
}

/**
 * The autocannon hooks that rotate a chain: each request takes a live token from the pool, and a
 * 200 response puts its successor back.
 */
export function chainHooks(chain: Chain) {
  return {
    setupRequest: (req: autocannon.Request) => ({
      ...req,
      // An exhausted pool sends a dead token, which shows up as non-2xx rather than hiding.
      body: chain.body(chain.pool.pop() ?? 'hal_rt_exhausted'),
    }),
    onResponse: (status: number, body: string) => {
      if (status !== 200) return;
      const next = chain.next(body);
      if (next) chain.pool.push(next);
    },
  };
}

/**
 * Runs autocannon against one target. For a chain every request carries a live token taken from
 * the pool, and its successor goes back into the pool as soon as the response arrives (autocannon
 * records a response before it builds the connection's next request), so every request is a legal
 * rotation. A token whose request is in flight when the run stops is lost with its chain.
 */
export async function measure(load: Load, seconds: number, connections: number): Promise<Measured> {
  const { chain } = load;
  const requests = chain && [chainHooks(chain)];
  const result = await autocannon({
    url: load.url,
    method: load.method,
    headers: load.headers,
    body: load.body,
    connections,
    duration: seconds,
    pipelining: 1,
    ...(requests && { requests }),
  });
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count]),
  );
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    ...(chain && { poolLeft: chain.pool.length }),
  };
}

/**
 * One target's slices as one figure: requests and errors summed, req/s their mean (the slices
 * are equally long), latency percentiles the median of the slices'.
 */
export function combine(slices: Measured[]): Measured {
  const sum = (f: (m: Measured) => number) => slices.reduce((total, m) => total + f(m), 0);
  const median = (f: (m: Measured) => number) => {
    const sorted = slices.map(f).sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  };
  const requests = sum((m) => m.requests);
  const statuses: Record<string, number> = {};
  for (const m of slices)
    for (const [code, count] of Object.entries(m.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  const last = slices.at(-1);
  return {
    rps: sum((m) => m.rps) / Math.max(1, slices.length),
    p50: median((m) => m.p50),
    p99: median((m) => m.p99),
    requests,
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
    statuses,
    ...(last?.poolLeft !== undefined && { poolLeft: last.poolLeft }),
    // The slices carry their CPU time (µs); here it becomes µs per request.
    ...(slices.some((m) => m.cpuUs !== undefined) && {
      cpuUs: sum((m) => m.cpuUs ?? 0) / Math.max(1, requests),
    }),
    ...(slices.some((m) => m.kernelUs !== undefined) && {
      kernelUs: sum((m) => m.kernelUs ?? 0) / Math.max(1, requests),
    }),
    ...(slices.some((m) => m.pgUs !== undefined) && {
      pgUs: sum((m) => m.pgUs ?? 0) / Math.max(1, requests),
    }),
  };
}

export const basicAuth = (id: string, secret: string) => {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
};

export const FORM = 'application/x-www-form-urlencoded';
