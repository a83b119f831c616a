import { spawn } from 'node:child_process';

/** What an interactive script printed and how it ended. */
export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const AUTHORIZE_URL = /https?:\/\/\S+\/oauth\/authori[sz]e\?\S+/;

/**
 * Runs a script that prints an authorization URL and then reads one line (the code, or the whole
 * redirect) from stdin, as the dashboard's snippets do: `answer` gets the URL and returns that line.
 */
export function runInteractive(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number },
  answer: (authorizationUrl: URL) => Promise<string>,
): Promise<ScriptRun> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let answered = false;
  // A script that fails before asking (say, a missing secret) has closed its stdin.
  child.stdin.on('error', () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const url = AUTHORIZE_URL.exec(stdout)?.[0];
      if (!url || answered) return;
      answered = true;
      answer(new URL(url)).then(
        (line) => child.stdin.end(`${line}\n`),
        (error) => {
          child.kill('SIGKILL');
          reject(error);
        },
      );
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
