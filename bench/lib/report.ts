import type { Measured } from './load';
import type { Scenario, TargetName } from './scenarios';

export interface Outcome {
  scenario: Scenario;
  results: Partial<Record<TargetName, Measured>>;
  /** Problems found before the load (a target not answering 200). */
  problems: string[];
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
    '| server | req/s | p50 (ms) | p99 (ms) | requests | server CPU per request (µs) | HAL ÷ this (req/s) | check |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const { name } of o.scenario.targets) {
    const m = o.results[name];
    if (!m) continue;
    lines.push(
      `| ${name} | ${n0(m.rps)} | ${ms(m.p50)} | ${ms(m.p99)} | ${n0(m.requests)} | ${cpuText(m)} | ${name === 'HAL' ? '1.00×' : ratio(hal?.rps, m.rps)} | ${flag(m) ?? 'all 2xx'} |`,
    );
  }
  lines.push('');
  for (const note of [...o.problems.map((p) => `**Problem:** ${p}`), ...o.scenario.notes])
    lines.push(`- ${note}`);
  lines.push('');
  return lines;
}

/** The ratio table: one line per scenario. */
export function summary(outcomes: Outcome[]): string[] {
  const lines = [
    '| scenario | HAL req/s | oidc-provider req/s | bare Hono req/s | HAL / oidc-provider | HAL / bare Hono | HAL p99 (ms) | oidc-provider p99 (ms) | CPU per request, oidc-provider / HAL |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const o of outcomes) {
    const { HAL: h, 'oidc-provider': p, 'bare Hono': b } = o.results;
    const flagged = Object.values(o.results).some((m) => m && flag(m)) ? ' (FLAGGED)' : '';
    lines.push(
      `| ${o.scenario.id}${flagged} | ${h ? n0(h.rps) : '—'} | ${p ? n0(p.rps) : '—'} | ${b ? n0(b.rps) : '—'} | ${ratio(h?.rps, p?.rps)} | ${ratio(h?.rps, b?.rps)} | ${h ? ms(h.p99) : '—'} | ${p ? ms(p.p99) : '—'} | ${ratio(totalCpu(p), totalCpu(h))} |`,
    );
  }
  return lines;
}

export function markdown(outcomes: Outcome[], info: RunInfo): string {
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
    'run on it at the same time; run-to-run noise is about ±10%). HAL, oidc-provider and bare Hono are',
    'measured one after the other in the same run, on the same core, with the same load generator, so',
    'the ratios between them are what carries over; the absolute numbers do not. The CPU columns',
    '(user + system time per completed request, read from /proc: the server process, plus the whole',
    'PostgreSQL cluster for HAL) are disturbed less by other work than req/s, and cross-check them.',
    '',
    '## Summary',
    '',
    ...summary(outcomes),
    '',
    '## Scenarios',
    '',
    ...outcomes.flatMap(scenarioTable),
    '## Profiling HAL',
    '',
    '`BENCH_PROFILE=1 BENCH_ONLY=<scenario,…> npm run bench` records a V8 CPU profile of HAL during each',
    'measured run (not during start-up or set-up) into `bench/.profiles/hal-<scenario>.cpuprofile`;',
    '`npm run profile -w @hal/bench -- <file>` lists its heaviest frames and packages. Profiling slows',
    'HAL down: do not quote figures from a profiled run. Profiled and `BENCH_ONLY` runs write their',
    'report to `bench/.profiles/BENCHMARKS.partial.md` and leave this file alone.',
  ].join('\n');
}
