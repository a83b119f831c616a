import type { Measured } from './load';
import type { Scenario, Soak, TargetName } from './scenarios';
import type { MixRun, RssSample } from './soak';

export interface Outcome {
  scenario: Scenario;
  results: Partial<Record<TargetName, Measured>>;
  /** Problems found before the load (a target not answering 200). */
  problems: string[];
}

export interface SoakOutcome {
  soak: Soak;
  /** Problems found before the load (a part of the mix not answering 200). */
  problems: string[];
  /** The share of the peak the soak is paced at (0.8). */
  share: number;
  warmup: number;
  /** The unpaced run the rate comes from. */
  peak: MixRun;
  run: MixRun;
  /** HAL's RSS: the first sample is the soak's start (after the warm-up), the last its end. */
  rss: RssSample[];
  rssEvery: number;
  /** HAL's memory after a full garbage collection, before the peak run and after the soak. */
  gcStart?: NodeJS.MemoryUsage;
  gcEnd?: NodeJS.MemoryUsage;
  /** HAL's garbage-collection pauses during the soak, in ms. */
  gcPauses?: number[];
  /** Bare Hono paced as the soak was (the machine's tail without HAL's). */
  control?: MixRun;
  /** Where the soak's tail comes from (bench/lib/tail.ts), one bullet a line. */
  anatomy?: string[];
  /** CPU time used by HAL and PostgreSQL together during the peak run, in ms. */
  peakCpuMs: number;
  /** CPU time used during the soak, in ms: HAL's node process, and the PostgreSQL cluster. */
  halCpuMs: number;
  pgCpuMs: number;
  wallMs: number;
}

export interface RunInfo {
  date: string;
  command: string;
  settings: string;
  machine: string[];
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => x.toFixed(x < 10 && !Number.isInteger(x) ? 1 : 0);
const ratio = (a?: number, b?: number) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '—');

/** Server CPU per request in µs; HAL's as the total and its split with PostgreSQL. */
export function cpuText(m: Measured): string {
  if (m.cpuUs === undefined) return '—';
  if (m.pgUs === undefined) return n0(m.cpuUs);
  return `${n0(m.cpuUs + m.pgUs)} (${n0(m.cpuUs)} node + ${n0(m.pgUs)} PostgreSQL)`;
}

const totalCpu = (m?: Measured) => (m?.cpuUs === undefined ? undefined : m.cpuUs + (m.pgUs ?? 0));

/** Why a run's figures cannot be trusted as they stand, or undefined. */
export function flag(m: Measured): string | undefined {
  const bad = m.non2xx + m.errors + m.timeouts;
  if (!bad) return undefined;
  const statuses = Object.entries(m.statuses)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, count]) => `${count}×${code}`)
    .join(', ');
  return `FLAGGED: ${m.non2xx} non-2xx${statuses ? ` (${statuses})` : ''}, ${m.errors} errors, ${m.timeouts} timeouts`;
}

function scenarioTable(o: Outcome): string[] {
  const hal = o.results.HAL;
  const lines = [
    `### ${o.scenario.title}`,
    '',
    '| server | req/s | p50 (ms) | p99 (ms) | requests | server CPU per request (µs) | of it in the server’s kernel (µs) | HAL ÷ this (req/s) | check |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const { name } of o.scenario.targets) {
    const m = o.results[name];
    if (!m) continue;
    lines.push(
      `| ${name} | ${n0(m.rps)} | ${ms(m.p50)} | ${ms(m.p99)} | ${n0(m.requests)} | ${cpuText(m)} | ${m.kernelUs === undefined ? '—' : n0(m.kernelUs)} | ${name === 'HAL' ? '1.00×' : ratio(hal?.rps, m.rps)} | ${flag(m) ?? 'all 2xx'} |`,
    );
  }
  lines.push('');
  for (const note of [...o.problems.map((p) => `**Problem:** ${p}`), ...o.scenario.notes])
    lines.push(`- ${note}`);
  lines.push('');
  return lines;
}

/**
 * Whether HAL met a scenario's floor (its req/s as a share of bare Hono's, or of HAL's in another
 * scenario, in the same run), in one sentence; undefined when the scenario sets none.
 */
export function targetLine(o: Outcome, outcomes: Outcome[]): string | undefined {
  const { target } = o.scenario;
  if (!target) return undefined;
  const h = o.results.HAL;
  const other = target.against && outcomes.find((x) => x.scenario.id === target.against);
  const b = target.against ? (other ? other.results.HAL : undefined) : o.results['bare Hono'];
  const what = target.against ? `HAL’s own ${target.against}` : 'bare Hono';
  const head = `Target (${target.source}): ${o.scenario.id} at ${target.share.toFixed(2)}× of ${what} or better.`;
  if (!h || !b?.rps)
    return `${head} Not measured: ${target.against && !other ? `${target.against} was not in this run` : 'a figure is missing'}.`;
  const share = h.rps / b.rps;
  const flagged = [h, b].some((m) => flag(m)) ? ' (a run was FLAGGED: see its table)' : '';
  return `${head} Measured ${share.toFixed(3)}× (${n0(h.rps)} against ${n0(b.rps)} req/s): **${share >= target.share ? 'met' : 'NOT met'}**${flagged}.`;
}

/** HAL's MCP server against HAL's REST API in the same run (the MCP scenario), in one sentence. */
function restLine(o: Outcome): string | undefined {
  const { HAL: h, 'HAL REST': r } = o.results;
  if (!h || !r?.rps) return undefined;
  return `HAL's MCP server (${o.scenario.id}): ${n0(h.rps)} req/s, ${(h.rps / r.rps).toFixed(2)}× of HAL's REST API for the same answer (${n0(r.rps)} req/s); p99 ${ms(h.p99)} against ${ms(r.p99)} ms.`;
}

/** Two HAL processes against one in the same run (point 6), in one sentence. */
function twoLine(o: Outcome): string | undefined {
  const { HAL: h, 'HAL ×2': two } = o.results;
  if (!h?.rps || !two) return undefined;
  return `Two HAL processes (${o.scenario.id}): ${n0(two.rps)} req/s, ${(two.rps / h.rps).toFixed(2)}× of one process (${n0(h.rps)} req/s); p99 ${ms(two.p99)} against ${ms(h.p99)} ms.`;
}

/**
 * The ratio table: one line per scenario; “—” where a scenario has no such target (the widget
 * scenarios have no oidc-provider peer). Then a line per scenario that sets a target.
 */
export function summary(outcomes: Outcome[]): string[] {
  const lines = [
    '| scenario | HAL req/s | oidc-provider req/s | bare Hono req/s | HAL / oidc-provider | HAL / bare Hono | HAL p99 (ms) | oidc-provider p99 (ms) | CPU per request, oidc-provider / HAL |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const o of outcomes) {
    const { HAL: h, 'oidc-provider': p, 'bare Hono': b } = o.results;
    const flagged = Object.values(o.results).some((m) => m && flag(m)) ? ' (FLAGGED)' : '';
    lines.push(
      `| ${o.scenario.id}${flagged} | ${h ? n0(h.rps) : '—'} | ${p ? n0(p.rps) : '—'} | ${b ? n0(b.rps) : '—'} | ${p ? ratio(h?.rps, p.rps) : '—'} | ${ratio(h?.rps, b?.rps)} | ${h ? ms(h.p99) : '—'} | ${p ? ms(p.p99) : '—'} | ${p ? ratio(totalCpu(p), totalCpu(h)) : '—'} |`,
    );
  }
  const targets = [
    ...outcomes.map((o) => targetLine(o, outcomes)),
    ...outcomes.map(restLine),
    ...outcomes.map(twoLine),
  ].filter((line) => line !== undefined);
  if (targets.length) lines.push('', ...targets);
  return lines;
}

/** Memory growth from start to end above this share of the start counts as growth, not noise. */
export const MEMORY_NOISE = 0.1;

export function rssFigures(rss: RssSample[]) {
  const start = rss[0]?.mib;
  const end = rss[rss.length - 1]?.mib;
  if (start === undefined || end === undefined) return undefined;
  const max = Math.max(...rss.map((r) => r.mib));
  return { start, end, max, growth: end - start, percent: ((end - start) / start) * 100 };
}

const errorText = (run: MixRun) => {
  const kinds = Object.entries(run.errorKinds)
    .map(([kind, count]) => `${count}×${kind}`)
    .join(', ');
  return `${run.errors} errors${kinds ? ` (${kinds})` : ''}`;
};
const non2xxText = (run: MixRun) => {
  const codes = Object.entries(run.statuses)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, count]) => `${count}×${code}`)
    .join(', ');
  return `${run.non2xx} non-2xx${codes ? ` (${codes})` : ''}`;
};

const mib = (bytes: number) => bytes / 2 ** 20;
/** A soak below this share of its target rate did not load HAL as intended (HAL or the machine fell behind). */
const SHORT_OF_TARGET = 0.95;

/** Growth after a full GC, from before the peak run to after the soak. */
function gcGrowth(o: SoakOutcome, key: 'heapUsed' | 'rss') {
  if (!o.gcStart || !o.gcEnd) return undefined;
  const [start, end] = [mib(o.gcStart[key]), mib(o.gcEnd[key])];
  return { start, end, growth: end - start, percent: ((end - start) / start) * 100 };
}

/**
 * Why the soak failed (any error or non-2xx response), and whether memory grew beyond noise: judged
 * on the heap and RSS after a full GC where HAL answered, as the RSS sampled under load moves by
 * tens of MiB with the garbage V8 has not collected yet; on that sampled RSS otherwise.
 */
export function soakVerdict(o: SoakOutcome) {
  const failures: string[] = [];
  if (o.run.non2xx) failures.push(non2xxText(o.run));
  if (o.run.errors) failures.push(errorText(o.run));
  const rss = rssFigures(o.rss);
  const judged = [gcGrowth(o, 'heapUsed'), gcGrowth(o, 'rss')].filter((g) => g !== undefined);
  if (!judged.length && rss) judged.push(rss);
  const grew = judged.some((g) => g.percent > MEMORY_NOISE * 100);
  return { failed: failures.length > 0, failures, rss, grew };
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;

/** One line for the console and the summary. */
export function soakLine(o: SoakOutcome): string {
  const { failed, failures, rss, grew } = soakVerdict(o);
  const heap = gcGrowth(o, 'heapUsed');
  const rssText = rss
    ? `RSS ${rss.start.toFixed(1)} → ${rss.end.toFixed(1)} MiB (max ${rss.max.toFixed(1)}, ${signed(rss.growth, 1)} MiB, ${signed(rss.percent, 1)}%)`
    : 'RSS not available';
  const heapText = heap
    ? `, heap after full GC ${heap.start.toFixed(1)} → ${heap.end.toFixed(1)} MiB (${signed(heap.percent, 1)}%)`
    : '';
  const memoryText = `${rssText}${heapText}: ${grew ? 'MEMORY GREW beyond noise' : 'no growth beyond noise'}`;
  const short = o.run.rate && o.run.rps < o.run.rate * SHORT_OF_TARGET ? ' (SHORT of the target)' : '';
  return `${failed ? `FAILED: ${failures.join(', ')}` : 'PASSED: 0 errors, 0 non-2xx'}; ${n0(o.run.rps)} req/s of ${n0(o.run.rate ?? 0)} targeted${short} (${Math.round(o.share * 100)}% of a ${n0(o.peak.rps)} req/s peak), p50 ${ms(o.run.latency.p50)} ms, p99 ${ms(o.run.latency.p99)} ms; ${memoryText}`;
}

/** HAL's collector during the soak: how much of its tail latency the pauses can account for. */
function gcText(o: SoakOutcome): string {
  const pauses = o.gcPauses;
  if (!pauses) return '- Garbage collection: HAL did not report its pauses.';
  const total = pauses.reduce((a, b) => a + b, 0);
  const longest = pauses.reduce((a, b) => Math.max(a, b), 0);
  const over = (limit: number) => pauses.filter((p) => p > limit).length;
  return `- Garbage collection in HAL during the soak: ${n0(pauses.length)} pauses, ${n0(total)} ms in all (${((100 * total) / o.wallMs).toFixed(1)}% of the time), the longest ${longest.toFixed(1)} ms; ${over(5)} over 5 ms, ${over(10)} over 10 ms. A request in flight across a pause waits it out, so the longest pause bounds what the collector adds to any one latency.`;
}

function soakSection(o: SoakOutcome): string[] {
  const { run, peak } = o;
  const { rss, grew } = soakVerdict(o);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const total = o.soak.parts.reduce((s, p) => s + p.weight, 0);
  const runRow = (what: string, m: MixRun) =>
    `| ${what} | ${m.connections} | ${m.rate === undefined ? '—' : n0(m.rate)} | ${n0(m.rps)} | ${ms(m.latency.p50)} | ${ms(m.latency.p99)} | ${ms(m.latency.p999)} | ${ms(m.latency.max)} | ${n0(m.requests)} | ${m.non2xx} | ${m.errors} (${m.timeouts}) |`;
  const busy = (cpuMs: number) => pct(cpuMs / o.wallMs);
  const lines = [
    `## ${o.soak.title}`,
    '',
    `**${soakLine(o)}**`,
    '',
    `HAL alone, ${o.soak.parts.map((p) => `\`${p.name}\``).join(', ')} requests in a fixed ${o.soak.parts.map((p) => Math.round((p.weight / total) * 100)).join('/')} cycle on every connection. First the mix’s peak: ${peak.seconds} s unpaced after a ${o.warmup} s warm-up. Then ${pct(o.share)} of that peak for ${run.seconds} s, after a ${o.warmup} s warm-up at that rate (\`BENCH_SOAK_SECONDS\` changes the ${run.seconds} s; \`BENCH_ONLY=soak npm run bench\` runs the soak alone).`,
    '',
    '| run | connections | target req/s | req/s | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | requests | non-2xx | errors (timeouts) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    runRow(`peak (unpaced, ${peak.seconds} s)`, peak),
    runRow(`soak (paced, ${run.seconds} s)`, run),
    '',
    '| soak request | share | requests | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...run.parts.map(
      (p) =>
        `| ${p.name} | ${pct(p.weight / total)} | ${n0(p.requests)} | ${ms(p.p50)} | ${ms(p.p99)} | ${ms(p.p999)} | ${ms(p.max)} | ${p.non2xx} |`,
    ),
    '',
  ];
  const gcRow = (what: string, key: 'heapUsed' | 'rss') => {
    const g = gcGrowth(o, key);
    if (!g) return [];
    return [
      `| ${what} | ${g.start.toFixed(1)} | ${g.end.toFixed(1)} | — | ${signed(g.growth, 1)} MiB (${signed(g.percent, 1)}%) |`,
    ];
  };
  if (rss)
    lines.push(
      '| HAL memory (MiB) | start | end | max | growth |',
      '|---|---:|---:|---:|---:|',
      `| RSS under load (VmRSS of HAL’s node process, every ${o.rssEvery} s) | ${rss.start.toFixed(1)} | ${rss.end.toFixed(1)} | ${rss.max.toFixed(1)} | ${signed(rss.growth, 1)} MiB (${signed(rss.percent, 1)}%) |`,
      ...gcRow('V8 heap used after a full GC', 'heapUsed'),
      ...gcRow('RSS after a full GC', 'rss'),
      '',
      `- RSS every ${o.rssEvery} s of the soak (MiB): ${o.rss.map((r) => r.mib.toFixed(1)).join(', ')}. The first sample is taken once the warm-ups are over (the soak’s start), the last as it ends. Under load RSS moves by tens of MiB with garbage V8 has not collected yet, so growth is judged on the rows after a full GC (\`HeapProfiler.collectGarbage\` through hal-server.ts, after the first warm-up and after the soak, outside the measured runs): above ${pct(MEMORY_NOISE)} of the start is growth beyond noise${grew ? ', and it **grew**' : ''}.`,
    );
  else lines.push('- RSS: /proc was not readable, no samples.');
  lines.push(
    `- Server CPU during the soak: HAL’s node process ${busy(o.halCpuMs)} of a core, PostgreSQL ${busy(o.pgCpuMs)} (pinned as above), ${n0(((o.halCpuMs + o.pgCpuMs) * 1000) / Math.max(1, run.requests))} µs per request against ${n0((o.peakCpuMs * 1000) / Math.max(1, peak.requests))} µs in the peak run (a saturated server answers more requests per wake-up and per round trip to PostgreSQL, so a share of the peak rate is a larger share of the core). A soak short of its target rate (below ${pct(SHORT_OF_TARGET)} of it) is flagged: HAL, or the machine’s other work, kept it from the intended load.`,
    gcText(o),
    ...(o.anatomy ?? []),
    `- Pacing: autocannon’s own rate limit lets each connection send its whole quota for the second back to back as the second starts, all connections in step, which at ${pct(o.share)} of peak is a saturated burst then idle time (and saturated latencies). So each connection is an autocannon instance of its own with its share of the rate (\`connectionRate\`), the instances started 1/${run.connections} s apart. Latency is measured per request from the moment autocannon builds it to its complete response, without coordinated-omission correction. Within its quota a connection sends its next request only once the previous one is answered, so a stall of the server delays the few requests in flight, not every request that fell due during it: the p99 of an open-loop pacer (each request sent at its time, whatever came back) would be as high or higher, so the tail is not an artefact of the pacing.`,
    `- The refresh requests rotate chains from the pool the \`refresh_token\` scenario uses; ${run.poolLeft ?? '—'} chains were left at the end. Any error or non-2xx response fails the soak.`,
    ...o.problems.map((p) => `- **Problem:** ${p}`),
    '',
  );
  return lines;
}

export function markdown(outcomes: Outcome[], info: RunInfo, soak?: SoakOutcome): string {
  return [
    '# HAL benchmarks',
    '',
    'Reproduce from the repository root (needs PostgreSQL’s server binaries, as the tests do, and',
    '`taskset` from util-linux):',
    '',
    '```sh',
    info.command,
    '```',
    '',
    `Run ${info.date}. ${info.settings}`,
    '',
    ...info.machine.map((m) => `- ${m}`),
    '',
    '**Read these as ratios.** The figures come from one run on a shared, noisy machine (other work may',
    'run on it at the same time: absolute req/s move by a third between runs, the ratios by about ±10%).',
    'HAL, oidc-provider and bare Hono are',
    'measured in the same run, taking turns in short slices, on the same core, with the same load generator, so',
    'the ratios between them are what carries over; the absolute numbers do not. The CPU columns',
    '(user + system time per completed request, read from /proc: the server process, plus the whole',
    'PostgreSQL cluster for HAL) are disturbed less by other work than req/s, and cross-check them.',
    'Their kernel part is not a fixed cost per request on this VM: for the same syscalls it grows as a',
    'server gets slower (a plain Node server answering the same bytes paid 10 µs at 35,000 req/s, 15 at',
    '15,000 and 21–29 at 8,000), because below saturation the load generator sleeps between answers and',
    'each answer pays for waking it. A slower server is so charged twice, which req/s ratios include.',
    'The widget scenarios (`sign_identity`, `identify`) have no oidc-provider counterpart: “—” in its',
    'columns, and HAL is compared with bare Hono only.',
    '',
    '## Summary',
    '',
    ...summary(outcomes),
    '',
    ...(soak
      ? [
          `Soak, HAL alone (mixed traffic at ${Math.round(soak.share * 100)}% of peak, ${soak.run.seconds} s): ${soakLine(soak)}.`,
          '',
        ]
      : []),
    '## Scenarios',
    '',
    ...outcomes.flatMap(scenarioTable),
    ...(soak ? soakSection(soak) : []),
    '## Profiling HAL',
    '',
    '`BENCH_PROFILE=1 BENCH_ONLY=<scenario,…> npm run bench` records a V8 CPU profile of HAL during each',
    'measured run (not during start-up or set-up) into `bench/.profiles/hal-<scenario>.cpuprofile`;',
    '`npm run profile -w @hal/bench -- <file>` lists its heaviest frames and packages. Profiling slows',
    'HAL down: do not quote figures from a profiled run. Profiled and `BENCH_ONLY` runs write their',
    'report to `bench/.profiles/BENCHMARKS.partial.md` and leave this file alone.',
    '`BENCH_PG_STATEMENTS=1` loads pg_stat_statements into the cluster and prints, after each scenario,',
    'its heaviest statements over the measured slices (executor and planning time, buffers, WAL per call)',
    'and the rows each table inserted and updated (HOT or not); for the soak, over its paced run (a',
    'profile too: `hal-soak.cpuprofile`). `BENCH_SOAK_RATE=<req/s>` paces the soak at a fixed rate',
    'instead of 80% of the measured peak, to compare two builds at one load: the peak is noisy.',
    '',
    '## Comparing two builds',
    '',
    'Two runs of one build differ by more than most changes do. `BENCH_BASELINE=<file>` measures two',
    'builds in one run: keep a built HAL (`bench/.build/hal-server.mjs` and its `.map`, copied inside',
    'the repository, e.g. to `bench/.build/baseline/`, so that its packages resolve), change the code,',
    'and run `BENCH_BASELINE=$PWD/bench/.build/baseline/hal-server.mjs BENCH_ONLY=me npm run bench`.',
    'Every scenario then has two more HAL targets taking turns with the others, on the same core and',
    'PostgreSQL: `HAL baseline` (that file) and `HAL candidate` (this code), both started after the',
    'set-up, so that neither carries the garbage and type feedback of the set-up’s requests. Two',
    'processes of one build measured so differed by 0–12% in CPU per request, once by 20% (`me_basic`,',
    '87 against 106 µs): a smaller difference between two builds needs several runs to show.',
  ].join('\n');
}
