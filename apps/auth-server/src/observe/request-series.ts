import { Counter, Histogram, type Registry } from 'prom-client';

/** Seconds; from a cached introspection (≈1 ms) to the request deadline's neighbourhood. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LATENCY = 'hal_http_request_duration_seconds';
const LATENCY_HELP = 'Time from the request reaching HAL to its response, by method and route pattern';

interface Series {
  statuses: Map<number, number>;
  /** Observations per bucket, not cumulative; the last one is past the largest bound. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * Requests by method, route pattern and status, and their latency. The hot path adds to plain
 * numbers (two Map lookups: prom-client's own `inc` and `observe` hash their labels on every call,
 * about 1.3 µs a request); they become `hal_http_requests_total` and
 * `hal_http_request_duration_seconds` when scraped.
 * @returns the function that counts one answered request.
 */
export function requestSeries(registers: Registry[]) {
  const byRoute = new Map<string, Map<string, Series>>();
  const all = function* () {
    for (const [route, byMethod] of byRoute)
      for (const [method, series] of byMethod) yield { labels: { method, route }, series };
  };
  new Counter({
    name: 'hal_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
    collect() {
      this.reset();
      for (const { labels, series } of all())
        for (const [status, n] of series.statuses) this.inc({ ...labels, status }, n);
    },
  });
  const latency = new Histogram({
    name: LATENCY,
    help: LATENCY_HELP,
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  // Rendered from the series: prom-client 15's Registry reads a histogram through
  // getForPromString (text) and get (JSON), and has no public way to set bucket counts.
  const render = async () => ({
    name: LATENCY,
    help: LATENCY_HELP,
    type: 'histogram',
    aggregator: 'sum',
    values: [...all()].flatMap(histogramValues),
  });
  Object.assign(latency, { get: render, getForPromString: render });

  return (method: string, route: string, status: number, seconds: number) => {
    let byMethod = byRoute.get(route);
    if (!byMethod) {
      byMethod = new Map();
      byRoute.set(route, byMethod);
    }
    let series = byMethod.get(method);
    if (!series) {
      series = { statuses: new Map(), buckets: LATENCY_BUCKETS.map(() => 0).concat(0), sum: 0, count: 0 };
      byMethod.set(method, series);
    }
    series.statuses.set(status, (series.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] as number)) i++;
    series.buckets[i] = (series.buckets[i] as number) + 1;
    series.sum += seconds;
    series.count++;
  };
}

function histogramValues({ labels, series }: { labels: { method: string; route: string }; series: Series }) {
  let cumulative = 0;
  const bucket = (le: number | string, value: number) => ({
    metricName: `${LATENCY}_bucket`,
    labels: { ...labels, le },
    value,
  });
  return [
    ...LATENCY_BUCKETS.map((le, i) => {
      cumulative += series.buckets[i] as number;
      return bucket(le, cumulative);
    }),
    bucket('+Inf', series.count),
    { metricName: `${LATENCY}_sum`, labels, value: series.sum },
    { metricName: `${LATENCY}_count`, labels, value: series.count },
  ];
}
