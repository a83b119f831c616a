import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/** The installed version of a package of the repository, or `?`. */
export function version(root: string, pkg: string) {
  for (const dir of [join(root, 'bench', 'node_modules'), join(root, 'node_modules')]) {
    const file = join(dir, pkg, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '?';
}

function git(root: string, args: string[]) {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** The commit HAL was measured at, and how many files of HAL differ from it. */
export function halRevision(root: string) {
  // The benchmark's own files do not count as changes to HAL.
  const dirty = git(root, ['status', '--porcelain', '--', '.', ':!bench', ':!BENCHMARKS.md'])
    .split('\n')
    .filter(Boolean).length;
  const commit = git(root, ['rev-parse', '--short', 'HEAD']) || 'an unknown commit';
  return dirty ? `${commit} plus ${dirty} uncommitted changes in the working tree` : commit;
}

/** Cores and model. Not availableParallelism() nor `nproc`: the runner is pinned to one core. */
export const cpuInfo = () => `${cpus().length} cores (\`nproc --all\`), ${cpus()[0]?.model ?? 'unknown CPU'}`;
