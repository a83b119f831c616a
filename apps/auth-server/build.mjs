// `npm run build`: the server and its CLI as plain JavaScript in dist/, so `npm start` needs node
// alone, no TypeScript loader. HAL's own packages export TypeScript sources, so they are bundled
// in; every package from node_modules stays an import, resolved at run time exactly as from
// source (native addons, PGlite's wasm, dynamic imports). Files found at run time (migrations,
// the dashboard, the widget script) are located through node_modules, not relative to the
// source file, so src/ and dist/ find the same ones.
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;
const outdir = join(here, 'dist');

/** Bare imports stay external, except `@hal/*` (workspace TypeScript). */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@hal/') ? undefined : { path: args.path, external: true },
    );
  },
};

const { outputFiles } = await build({
  absWorkingDir: here,
  entryPoints: { main: 'src/main.ts', 'cli/rotate-keys': 'src/cli/rotate-keys.ts' },
  outdir,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // JSX settings come from each file's tsconfig.json (Preact here), as for tsc and tsx.
  sourcemap: true,
  plugins: [externalPackages],
  logLevel: 'warning',
});

// Each file replaced by a rename, so a server starting (or a test building) meanwhile never reads
// half a file; then whatever an older build left is removed.
const written = new Set();
for (const file of outputFiles) {
  await mkdir(dirname(file.path), { recursive: true });
  const temporary = `${file.path}.${process.pid}.tmp`;
  await writeFile(temporary, file.contents);
  await rename(temporary, file.path);
  written.add(relative(outdir, file.path));
}
for (const entry of await readdir(outdir, { recursive: true, withFileTypes: true })) {
  const path = join(entry.parentPath, entry.name);
  if (entry.isFile() && !written.has(relative(outdir, path)) && !path.endsWith('.tmp'))
    await rm(path, { force: true });
}
