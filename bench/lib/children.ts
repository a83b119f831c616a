import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pinned } from './cpus';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface Child<T> {
  name: string;
  process: ChildProcess;
  /** What the child printed after `READY `. */
  ready: T;
  stop(): Promise<void>;
}

export interface ChildOptions {
  env: Record<string, string>;
  /**
   * The working directory, whose tsconfig tsx applies (to the files it includes only): HAL's
   * pages are TSX compiled for `hono/jsx`, so HAL runs from its own folder, as `npm start` does.
   */
  cwd?: string;
  /** The script built to plain JavaScript (build-servers.ts), run with node alone. */
  built?: string;
}

/**
 * Starts `bench/<script>` on `cpus`, built (`built`, see build-servers.ts) or else under tsx, and
 * waits for its `READY <json>` line. The child's
 * stderr is kept and shown only if it fails to start; later output goes to stderr, prefixed.
 */
export function startChild<T>(
  name: string,
  script: string,
  cpus: string,
  options: ChildOptions,
): Promise<Child<T>> {
  const { env, cwd = BENCH_DIR, built } = options;
  const [cmd, ...args] = pinned(
    cpus,
    built
      ? [process.execPath, '--enable-source-maps', built]
      : [process.execPath, '--import', 'tsx', join(BENCH_DIR, script)],
  );
  const child = spawn(cmd as string, args, {
    cwd,
    env: { ...process.env, ...env },
    // The IPC channel lets the runner ask a server about itself (HAL: its heap after a full GC).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  let started = false;
  child.stderr?.on('data', (chunk) => {
    if (started) process.stderr.write(`[${name}] ${chunk}`);
    else stderr += chunk;
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start in 60 s:\n${stderr}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${stderr}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (started || !line.startsWith('READY ')) {
        // Whatever a server prints besides READY (its log lines, when turned on) goes to stderr.
        process.stderr.write(`[${name}] ${line}\n`);
        return;
      }
      started = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ name, process: child, ready: JSON.parse(line.slice(6)) as T, stop });
    });
  });
}
