import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  } catch {
    return 10;
  }
})();

/** Which CPU time: all of it (user + system), or the kernel's part (system) alone. */
export type CpuPart = 'all' | 'kernel';

/** CPU a process has used so far, in ms (0 where /proc is missing). */
function cpuMs(pid: number, part: CpuPart): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) ": state is the 3rd field; utime and stime the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((part === 'all' ? Number(fields[11]) : 0) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** A process and all its descendants (PostgreSQL: the postmaster and its backends). */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // gone, or not Linux
  }
  return [pid, ...children.flatMap(processTree)];
}

/**
 * CPU time used by some processes between `start()` and the returned function's call: a figure
 * other work on a shared machine disturbs much less than throughput.
 */
export function cpuMeter(pids: () => number[], part: CpuPart = 'all') {
  const before = new Map(pids().map((pid) => [pid, cpuMs(pid, part)]));
  return () => pids().reduce((sum, pid) => sum + cpuMs(pid, part) - (before.get(pid) ?? 0), 0);
}
