import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '@hal/db';
import { findPgBin, freePort, removeCluster, startCluster } from '../../test/support/postgres-cluster';
import { type Child, startChild } from '../lib/children';
import { type Generated, generate } from './requests';
import { Rng } from './rng';
import { Tally } from './tally';
import { type Exchange, Lane } from './wire';
import { harvest, Pools, renew, rowsOwnedBy, seedGenerator, seedVictim } from './world';

/**
 * `npm run fuzz`: HAL on each database (PGlite, then a throwaway PostgreSQL) takes FUZZ_REQUESTS
 * generated hostile requests over FUZZ_CONNECTIONS raw keep-alive connections, from a generator
 * holding one account's credentials. Prints the status histogram per database; exits non-zero on
 * any 500 (or other 5xx but 503), any connection dropped under the 64 KiB limit, a crash, or any
 * change to a second account whose credentials the generator never had.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 100_000);
const CONNECTIONS = Number(process.env.FUZZ_CONNECTIONS ?? 16);
const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31));
const DATABASES = (process.env.FUZZ_DATABASES ?? 'pglite,postgres').split(',').filter(Boolean);
const RENEW_EVERY = Number(process.env.FUZZ_RENEW_EVERY ?? 1_000);
const TIMEOUT_MS = 30_000;
/** FUZZ_TRACE=<regex>: prints every request whose label matches, and its answer. */
const TRACE = process.env.FUZZ_TRACE ? new RegExp(process.env.FUZZ_TRACE) : undefined;
const ALL_CPUS = `0-${cpus().length - 1}`;
const log = (line: string) => process.stdout.write(`${line}\n`);

// Limits stay on (their code runs) but far above what the run sends, so nothing is refused for rate.
const HIGH = String(10_000_000);
const LIMITS = Object.fromEntries(
  ['LOGIN_ACCOUNT', 'LOGIN_IP', 'TOKEN', 'INTROSPECT', 'SIGN_IDENTITY', 'IDENTIFY'].map((n) => [
    `HAL_RATE_LIMIT_${n}`,
    HIGH,
  ]),
);

interface Hal {
  child: Child<{ url: string; pid: number }>;
  errors: string[];
}

async function startHal(env: Record<string, string>): Promise<Hal> {
  const child = await startChild<{ url: string; pid: number }>('HAL', 'fuzz/server.ts', ALL_CPUS, {
    env,
    cwd: join(ROOT, 'apps', 'auth-server'),
  });
  const errors: string[] = [];
  createInterface({ input: child.process.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (line.includes('"level":50') || line.includes('"level":60')) errors.push(line);
  });
  return { child, errors };
}

async function fuzzOn(engine: string): Promise<boolean> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hal-fuzz-'));
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  let hal: Hal | undefined;
  try {
    if (engine === 'postgres') {
      const bin = findPgBin();
      if (!bin)
        throw new Error('PostgreSQL server binaries not found (set FUZZ_DATABASES=pglite to skip it)');
      cluster = await startCluster(bin);
    } else if (engine !== 'pglite') throw new Error(`unknown database ${engine}`);
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const env = {
      PORT: String(port),
      HAL_ISSUER: issuer,
      HAL_SECRET_KEY: randomBytes(32).toString('hex'),
      HAL_DATA_DIR: dataDir,
      HAL_LOG_LEVEL: 'error',
      ...LIMITS,
      ...(cluster && { DATABASE_URL: cluster.url }),
    };
    const snapshot = async (userId: string) => {
      // PGlite belongs to one process at a time: HAL is stopped while the rows are read.
      const database = createDatabase(cluster ? { url: cluster.url } : { dataDir: join(dataDir, 'pglite') });
      try {
        return await rowsOwnedBy(database, userId);
      } finally {
        await database.close();
      }
    };

    hal = await startHal(env);
    const pools = new Pools();
    const victim = await seedVictim(issuer);
    const generator = await seedGenerator(issuer, pools);
    for (const [kind, id] of Object.entries(victim.publicIds)) pools.add(kind, id);
    await hal.child.stop();
    const before = await snapshot(victim.userId);
    hal = await startHal(env);
    const tables = new Map<string, number>();
    for (const row of before)
      tables.set(row.split(' ', 1)[0] as string, (tables.get(row.split(' ', 1)[0] as string) ?? 0) + 1);
    log(
      `\n== ${engine}: HAL at ${issuer}; the other account has ${before.length} rows (${[...tables]
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}); seed ${SEED}`,
    );

    const tally = new Tally();
    const started = performance.now();
    let sent = 0;
    let renewing: Promise<void> | undefined;
    let renewals = 0;
    const renewalFailures: string[] = [];
    const lanes = Array.from({ length: CONNECTIONS }, (_, i) => ({
      lane: new Lane(port, TIMEOUT_MS),
      context: { rng: new Rng(SEED + i * 7919), pools, issuer },
    }));
    await Promise.all(
      lanes.map(async ({ lane, context }) => {
        while (sent < TOTAL) {
          const n = ++sent;
          const generated: Generated = generate(context);
          const exchange = await lane.send(
            generated.wire,
            generated.kind === 'framing' || generated.kind === 'over',
          );
          tally.record(generated, exchange);
          if (TRACE?.test(generated.label)) trace(generated, exchange);
          for (const answer of exchange.answers) harvest(pools, answer);
          if (n % RENEW_EVERY === 0 && !renewing)
            renewing = renew(issuer, generator, pools).then((failed) => {
              renewals++;
              if (failed.length) renewalFailures.push(...failed);
              renewing = undefined;
            });
          if (n % 10_000 === 0)
            log(
              `  ${n}/${TOTAL} ${Math.round(n / ((performance.now() - started) / 1000))} req/s ${tally.brief()}`,
            );
        }
        lane.close();
      }),
    );
    await renewing;
    const seconds = (performance.now() - started) / 1000;
    const crashed = hal.child.process.exitCode !== null;
    const errors = hal.errors;
    await hal.child.stop();
    hal = undefined;
    const after = await snapshot(victim.userId);
    const changed = diff(before, after);

    log(
      `${TOTAL} requests in ${seconds.toFixed(0)} s (${Math.round(TOTAL / seconds)} req/s), ${CONNECTIONS} connections`,
    );
    for (const line of tally.report()) log(line);
    log(
      `the generator's credentials renewed ${renewals} times (every ${RENEW_EVERY} requests); steps that failed: ${renewalFailures.length}${
        renewalFailures.length ? ` (first: ${renewalFailures[0]?.slice(0, 200)})` : ''
      }`,
    );
    log(`HAL error log lines: ${errors.length}${crashed ? '; HAL EXITED during the run' : ''}`);
    for (const line of errors.slice(0, 5)) log(`  ${line.slice(0, 600)}`);
    log(`the other account: ${after.length} rows, ${changed.length ? 'CHANGED' : 'unchanged'}`);
    for (const line of changed.slice(0, 10)) log(`  ${line.slice(0, 400)}`);
    return tally.passed() && !crashed && changed.length === 0;
  } finally {
    await hal?.child.stop();
    if (cluster) removeCluster(cluster);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function trace(g: Generated, exchange: Exchange) {
  const request = Buffer.concat(g.wire.parts).toString('latin1').slice(0, 1500);
  const answers = exchange.answers.map(
    (a) =>
      `${a.status} ${a.headers.get('location') ?? ''} ${a.body
        .toString('utf8')
        .replace(/<head>.*<\/head>/s, '')
        .slice(0, 400)}`,
  );
  log(
    `TRACE ${g.label}\n  ${JSON.stringify(request)}\n  -> ${answers.join('\n  -> ')} ${exchange.failure ?? ''}`,
  );
}

function diff(before: string[], after: string[]): string[] {
  const was = new Set(before);
  const is = new Set(after);
  return [
    ...before.filter((r) => !is.has(r)).map((r) => `- ${r}`),
    ...after.filter((r) => !was.has(r)).map((r) => `+ ${r}`),
  ];
}

log(`fuzz: ${TOTAL} requests per database on ${DATABASES.join(', ')}, seed ${SEED} (FUZZ_SEED to repeat)`);
let ok = true;
for (const engine of DATABASES) {
  try {
    ok = (await fuzzOn(engine)) && ok;
  } catch (error) {
    log(`${engine}: the run failed: ${(error as Error).stack}`);
    ok = false;
  }
}
log(ok ? '\nfuzz: passed' : '\nfuzz: FAILED');
process.exit(ok ? 0 : 1);
