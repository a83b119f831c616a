// Start-up time (spawn to the first 200 from /readyz) and resident memory right after, of the built
// server (`node dist/main.js`, what `npm start` runs) against the same server from source under tsx.
// Usage: node scripts/startup-figures.mjs [runs]   (after `npm run build`; Linux: reads /proc)
// Embedded PGlite in a temp folder, or PostgreSQL when DATABASE_URL is set. Each mode starts once
// to create and migrate its database, then `runs` times on it (a restart); the modes alternate, so
// a slow spell of a shared machine falls on both.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const server = join(import.meta.dirname, '..', 'apps', 'auth-server');
const runs = Number(process.argv[2] ?? 5);
const modes = {
  built: ['--enable-source-maps', 'dist/main.js'],
  tsx: ['--import', 'tsx', 'src/main.ts'],
};

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startOnce(args, dataDir) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: server,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HAL_DATA_DIR: dataDir,
      HAL_LOG_LEVEL: 'warn',
      ...pg(),
    },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = performance.now() - started;
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;
    return { ms, rss };
  } finally {
    const exited = child.exitCode === null && new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

// One key for both modes: on a shared PostgreSQL each would otherwise generate its own (DEPLOY.md).
const secretKey = randomBytes(32).toString('hex');
const pg = () =>
  process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, HAL_SECRET_KEY: secretKey } : {};
const dirs = Object.fromEntries(
  Object.keys(modes).map((m) => [m, mkdtempSync(join(tmpdir(), `hal-startup-${m}-`))]),
);
const results = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
const first = {};
for (const [mode, args] of Object.entries(modes)) first[mode] = await startOnce(args, dirs[mode]);
for (let i = 0; i < runs; i++)
  for (const [mode, args] of Object.entries(modes)) results[mode].push(await startOnce(args, dirs[mode]));
for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
console.log(
  `database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}; ${runs} restarts per mode, Node ${process.version}`,
);
console.log(
  '| mode | first start (ms) | restart to /readyz, median (range) ms | RSS after start, median (range) MiB |',
);
console.log('|---|---|---|---|');
for (const mode of Object.keys(modes)) {
  const ms = results[mode].map((r) => r.ms);
  const rss = results[mode].map((r) => r.rss);
  console.log(
    `| ${mode} | ${first[mode].ms.toFixed(0)} | ${median(ms).toFixed(0)} (${range(ms)}) | ${median(rss).toFixed(0)} (${range(rss)}) |`,
  );
}
