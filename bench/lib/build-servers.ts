import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const BUILD_DIR = join(BENCH_DIR, '.build');

/** Bare imports stay external, except `@hal/*` (workspace TypeScript), as in HAL's own build. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@hal/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * The benchmark's servers as plain JavaScript in bench/.build/, built the way `npm run build`
 * builds HAL (apps/auth-server/build.mjs): HAL is measured as `npm start` runs it, without tsx
 * (whose keepNames wraps every function it creates), and so are its peers.
 * @returns the built file of each script, by its name in bench/.
 */
export async function buildServers(scripts: readonly string[]): Promise<Map<string, string>> {
  await build({
    absWorkingDir: BENCH_DIR,
    entryPoints: scripts.map((script) => join(BENCH_DIR, script)),
    outdir: BUILD_DIR,
    outbase: BENCH_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    plugins: [externalPackages],
    logLevel: 'warning',
  });
  return new Map(scripts.map((script) => [script, join(BUILD_DIR, script.replace(/\.ts$/, '.mjs'))]));
}
