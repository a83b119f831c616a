import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Child } from './children';

/**
 * Profiles HAL during one measured run: hal-server.ts starts V8's profiler on SIGUSR2 and writes
 * `hal-<label>.cpuprofile` on the next one.
 */
export function startProfile(dir: string, hal: Child<unknown>, label: string) {
  const file = join(dir, `hal-${label}.cpuprofile`);
  mkdirSync(dir, { recursive: true });
  rmSync(file, { force: true });
  writeFileSync(join(dir, 'label'), label);
  hal.process.kill('SIGUSR2');
  return async function stop() {
    hal.process.kill('SIGUSR2');
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    return file;
  };
}
