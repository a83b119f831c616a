import { defineConfig } from 'vite';

// Served by the auth server under /dashboard/; Preact through Vite's built-in JSX transform.
export default defineConfig({
  base: '/dashboard/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
