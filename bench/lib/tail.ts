import type { MixRun, Sample, ServerTrace, Stamped } from './soak';

/** Nearest-rank percentile of unsorted values. */
function pct(values: number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

const f1 = (x: number) => x.toFixed(1);
const share = (n: number, of: number) => `${of ? Math.round((100 * n) / of) : 0}%`;

/** Whether a request's span [at, at + ms] overlaps any of the (sorted) events longer than `over` ms. */
function overlaps(sample: Sample, events: Stamped[], over: number): boolean {
  const end = sample.at + sample.ms;
  for (const e of events) {
    if (e.at > end) return false;
    if (e.ms > over && e.at + e.ms >= sample.at) return true;
  }
  return false;
}

/**
 * Where a paced run's slow requests (over `limit` ms) come from: which parts they are, whether they
 * were in flight across one of HAL's garbage-collection pauses or event-loop stalls, how clustered in
 * time they are (a few bad spells of a shared machine, or spread evenly), and, with the server's own
 * timings (`BENCH_SOAK_TRACE=1`), how much of each part's tail is spent inside HAL's handler.
 */
export function tailAnatomy(
  run: MixRun,
  names: string[],
  trace: ServerTrace | undefined,
  limit = 20,
): string[] {
  const slow = run.samples.filter((s) => s.ms > limit);
  const lines: string[] = [];
  lines.push(
    `- Tail: ${slow.length} of ${run.samples.length} requests over ${limit} ms (${((100 * slow.length) / Math.max(1, run.samples.length)).toFixed(2)}%); by part: ${names
      .map((name, i) => {
        const all = run.samples.filter((s) => s.part === i).length;
        const over = slow.filter((s) => s.part === i).length;
        return `${name} ${over} (${((100 * over) / Math.max(1, all)).toFixed(2)}% of its own)`;
      })
      .join(', ')}.`,
  );
  if (!slow.length) return lines;
  // Clustering: the slow requests by 100 ms window of their start.
  const windows = new Map<number, number>();
  for (const s of slow) windows.set(Math.floor(s.at / 100), (windows.get(Math.floor(s.at / 100)) ?? 0) + 1);
  const counts = [...windows.values()].sort((a, b) => b - a);
  const spanWindows = Math.ceil((run.seconds * 1000) / 100);
  let half = 0;
  for (let acc = 0; acc < slow.length / 2; half++) acc += counts[half] ?? 0;
  lines.push(
    `- Clustering: the slow requests started in ${windows.size} of the run's ~${spanWindows} windows of 100 ms; half of them in the worst ${half} windows (the worst holds ${counts[0]}).`,
  );
  if (trace) {
    const pauses = [...trace.pauses].sort((a, b) => a.at - b.at);
    const stalls = [...(trace.loop?.stalls ?? [])].sort((a, b) => a.at - b.at);
    const sorted = [...slow].sort((a, b) => a.at - b.at);
    const byGc = sorted.filter((s) => overlaps(s, pauses, 2)).length;
    const byStall = sorted.filter((s) => overlaps(s, stalls, 10)).length;
    const byEither = sorted.filter((s) => overlaps(s, pauses, 2) || overlaps(s, stalls, 10)).length;
    const stallMs = stalls.reduce((a, s) => a + s.ms, 0);
    const stallCpu = stalls.reduce((a, s) => a + s.cpu, 0);
    const over = (list: Stamped[], ms: number) => list.filter((e) => e.ms > ms).length;
    // A stall during which HAL's process was on a CPU most of the time is its own work (a long
    // synchronous step, a burst of callbacks in one turn, or a collection); otherwise it was waiting.
    const own = stalls.filter((s) => s.cpu >= 0.8 * s.ms);
    const longestOwn = own.reduce((a, s) => Math.max(a, s.ms), 0);
    const ownOver = (ms: number) => own.filter((s) => s.ms > ms).length;
    if (trace.loop)
      lines.push(
        `- HAL's event loop: delay beyond its 5 ms timer p50 ${f1(trace.loop.p50 - 5)} ms, p99 ${f1(trace.loop.p99 - 5)} ms, max ${f1(trace.loop.max - 5)} ms (mean ${f1(trace.loop.mean - 5)}); ${stalls.length} stalls over 5 ms (${over(stalls, 10)} over 10 ms, ${over(stalls, 20)} over 20 ms), ${Math.round(stallMs)} ms in all, of which HAL's process was on a CPU ${Math.round(stallCpu)} ms (its own synchronous work or a collection); the rest it waited for the core (PostgreSQL on the same core, or other processes). Stalls spent on a CPU (80% of their length or more, HAL's own): ${own.length}, ${Math.round(own.reduce((a, s) => a + s.ms, 0))} ms in all, ${ownOver(10)} over 10 ms, ${ownOver(20)} over 20 ms, the longest ${f1(longestOwn)} ms.`,
      );
    lines.push(
      `- Of the slow requests, ${share(byGc, slow.length)} were in flight across a GC pause over 2 ms, ${share(byStall, slow.length)} across a loop stall over 10 ms, ${share(byEither, slow.length)} across either.`,
    );
    const byKind = (list: (Stamped & { what: string })[]) => {
      const kinds = new Map<string, number[]>();
      for (const s of list) {
        const l = kinds.get(s.what) ?? [];
        l.push(s.ms);
        kinds.set(s.what, l);
      }
      return [...kinds.entries()]
        .filter(([, l]) => l.length > list.length / 200)
        .map(
          ([what, l]) =>
            `\`${what.trim()}\` ${l.length}: p50 ${f1(pct(l, 0.5))}, p99 ${f1(pct(l, 0.99))}, max ${f1(pct(l, 1))} ms, ${((100 * l.filter((x) => x > limit).length) / l.length).toFixed(2)}% over ${limit} ms`,
        );
    };
    if (trace.served?.length)
      lines.push(
        `- Inside HAL (Node's \`request\` event to the response's end): ${byKind(trace.served).join('; ')}.`,
      );
    if (trace.statements?.length)
      lines.push(
        `- PostgreSQL statements, sent to settled (pool wait included): ${byKind(trace.statements).join('; ')}.`,
      );
  }
  return lines;
}
