import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

// Host pages pay for every byte of the embed; keep the gzipped script within 2 KiB.
const BUDGET = 2048;

/** Prints the script's size and fails the build when the gzipped size is over budget. */
function sizeBudget(): Plugin {
  return {
    name: 'hal-widget-size-budget',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        const bytes = Buffer.byteLength(file.code);
        const gzipped = gzipSync(file.code, { level: 9 }).length;
        console.log(`${file.fileName}: ${bytes} bytes, ${gzipped} bytes gzipped (budget ${BUDGET})`);
        if (gzipped > BUDGET)
          this.error(`${file.fileName} is ${gzipped - BUDGET} bytes over the gzip budget`);
      }
    },
  };
}

export default defineConfig({
  plugins: [sizeBudget()],
  build: {
    lib: { entry: 'src/index.ts', formats: ['iife'], name: 'HalWidget', fileName: () => 'hal-widget.js' },
    // terser with extra passes and its "unsafe" rewrites (safe for this code: no getters with side
    // effects, no methods called with `new`) saves ~60 B gzipped over the default minifier.
    minify: 'terser',
    terserOptions: {
      ecma: 2020,
      compress: {
        passes: 3,
        unsafe: true,
        unsafe_arrows: true,
        unsafe_methods: true,
        pure_getters: true,
        hoist_funs: true,
      },
      mangle: { toplevel: true },
    },
    copyPublicDir: false,
  },
});
