import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Cores for the server side (HAL or a peer, and PostgreSQL) and for the load generator. */
export const SERVER_CPUS = process.env.BENCH_SERVER_CPUS ?? '0';
export const LOAD_CPUS = process.env.BENCH_LOAD_CPUS ?? '1';
/** PostgreSQL runs on the server's core unless told otherwise (e.g. `0,1` to leave it unpinned). */
export const PG_CPUS = process.env.BENCH_PG_CPUS ?? SERVER_CPUS;

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/** Pins every thread of a running process (children it forks later inherit the mask). */
export function pinProcess(pid: number, cpus: string) {
  if (!hasTaskset) return;
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** Pins a process and the children it has now (PostgreSQL's postmaster and its helpers). */
export function pinTree(pid: number, cpus: string) {
  pinProcess(pid, cpus);
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // not Linux: nothing more to pin
  }
  for (const child of children) pinTree(Number(child), cpus);
}

/** The command line that runs `args` on `cpus` (unpinned when taskset is missing). */
export const pinned = (cpus: string, args: string[]) =>
  hasTaskset ? ['taskset', '-c', cpus, ...args] : args;
