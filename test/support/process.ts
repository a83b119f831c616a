import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '..', '..', 'apps', 'auth-server', 'src', 'main.ts');

/** HAL as a real operating-system process (`node --import tsx main.ts`), so a test can kill -9 it. */
export class HalProcess {
  child?: ChildProcess;
  output = '';
  readonly env: Record<string, string>;

  constructor(
    readonly port: number,
    databaseUrl: string,
    env: Record<string, string> = {},
  ) {
    this.env = {
      PORT: String(port),
      HAL_ISSUER: `http://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      HAL_SECRET_KEY: randomBytes(32).toString('hex'),
      HAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'hal-proc-')),
      HAL_LOG_LEVEL: process.env.HAL_TEST_PROCESS_LOG ?? 'warn',
      ...env,
    };
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until /healthz answers. */
  async start(timeoutMs = 30_000) {
    this.child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d) => {
      this.output += d;
    });
    this.child.stderr?.on('data', (d) => {
      this.output += d;
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`HAL did not start:\n${this.output}`);
  }

  /** SIGKILL: no graceful shutdown, exactly like a crash. */
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
