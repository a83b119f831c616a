// Guards postgres.js 3.4.9 against a crash when a connection closes while a small write is
// queued (porsager/postgres#1154, #1208; fix proposed in PR #1168): `nextWrite` runs from
// setImmediate after `closed()` nulled the socket and throws an uncatchable TypeError that takes
// the whole server down. HAL's crash test (test/reliability/crash-restart.test.ts) restarts
// PostgreSQL under load and hits it. Remove this script once a fixed release is out.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MARK = '/* hal: null-socket guard */';
let root;
try {
  // `postgres` exports no package.json; its CommonJS entry is <root>/cjs/src/index.js.
  root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
} catch {
  process.exit(0); // not installed (yet): nothing to patch
}

for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
  const path = join(root, file);
  let source;
  try {
    source = readFileSync(path, 'utf8');
  } catch {
    continue;
  }
  if (source.includes(MARK)) continue;
  const patched = source
    .replace(
      '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
      `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
    )
    // Teardown must disarm the timer too, or the reused connection never flushes again.
    .replaceAll(
      '    clearImmediate(nextWriteTimer)\n',
      '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n',
    );
  if (!patched.includes(MARK))
    throw new Error(`postgres ${file}: the code to guard has changed; review scripts/patch-postgres.mjs`);
  writeFileSync(path, patched);
}
