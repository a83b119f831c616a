// Guards postgres.js 3.4.9 against what a dropped connection does to it. Each guard is a small
// text edit of the driver, applied on `npm ci` (postinstall), once (each carries a mark). Remove a
// guard once a release fixes it; HAL's reliability tests (test/reliability/) fail without them.
//
// 1. null-socket: a connection that closes while a small write is queued crashes the whole
//    process: `nextWrite` runs from setImmediate after `closed()` nulled the socket and throws an
//    uncatchable TypeError (porsager/postgres#1154, #1208; fix proposed in PR #1168).
// 2. forget-backend: a backend killed during a query (pg_terminate_backend, a crash) leaves its
//    FATAL error and query behind; the next query on the reconnected connection fails with that
//    old error (a spurious 503 once PostgreSQL is back), or an unhandled rejection when it was the
//    array-type query of a connection being opened (#1223). `closed()` now forgets them.
// 3. dead-transaction: after a transaction's connection closes, `sql.begin()` rejects but its
//    callback runs on: its later queries, and its automatic ROLLBACK/COMMIT, were handed to the
//    closed connection, which then sat in the `full` queue for good (one pool slot lost per
//    occurrence) or ran them on the reconnected session, outside any transaction (#1215, #1216).
//    They are now rejected with the close error.
// 4. cancelled-first-query: `query.cancel()` of the query a connection was being opened for left
//    that connection in the `connecting` queue for good (nothing sent, so no ReadyForQuery). HAL
//    cancels the statements of a request past its deadline, so the connection now carries on.
// 5. types-query: the array-type query a new connection runs first (`fetch_types`, on by default)
//    is awaited by a promise nobody holds: when it fails (a reset socket, a cancel, a restart),
//    the rejection is unhandled and ends the process (#1192, #1205). Its failure reaches the
//    queries waiting on that connection through the connection's own error path, so the promise
//    is now caught; a reconnected connection fetches the types again.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let root;
try {
  // `postgres` exports no package.json; its CommonJS entry is <root>/cjs/src/index.js.
  root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
} catch {
  process.exit(0); // not installed (yet): nothing to patch
}

// Each guard: its mark, and the edits it makes ([from, to]; `all` replaces every occurrence).
// The mark goes in with the first edit; every edit must find its text, or the install fails.
const guards = {
  'connection.js': [
    {
      mark: '/* hal: null-socket guard */',
      edits: (mark) => [
        [
          '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
          `  function nextWrite(fn) {\n    ${mark}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
        ],
        // Teardown must disarm the timer too, or the reused connection never flushes again.
        [
          '    clearImmediate(nextWriteTimer)\n',
          '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n',
          'all',
        ],
      ],
    },
    {
      mark: '/* hal: forget-backend guard */',
      edits: (mark) => [
        [
          '    if (initial)\n      return reconnect()\n',
          `    if (initial) {\n      ${mark}\n      query = results = errorResponse = null\n      result = new Result()\n      return reconnect()\n    }\n`,
        ],
        [
          "    !hadError && (query || sent.length) && error(Errors.connection('CONNECTION_CLOSED', options, socket))\n",
          "    !hadError && (query || sent.length) && error(Errors.connection('CONNECTION_CLOSED', options, socket))\n    query = results = errorResponse = null\n    result = new Result()\n",
        ],
      ],
    },
    {
      mark: '/* hal: cancelled-first-query guard */',
      edits: (mark) => [
        [
          '      initial && !initial.reserve && execute(initial)\n      options.shared.retries = retries = 0\n      initial = null\n      return\n    }\n',
          `      ${mark}\n      const cancelled = initial && initial.cancelled\n      initial && !initial.reserve && execute(initial)\n      options.shared.retries = retries = 0\n      initial = null\n      if (!cancelled)\n        return\n    }\n`,
        ],
      ],
    },
    {
      mark: '/* hal: types-query guard */',
      edits: (mark) => [
        [
          '        return fetchArrayTypes()\n',
          `        return fetchArrayTypes().catch(() => {}) ${mark}\n`,
        ],
      ],
    },
  ],
  'index.js': [
    {
      mark: '/* hal: dead-transaction guard */',
      edits: (mark) => [
        [
          '    let savepoints = 0\n      , connection\n      , prepare = null\n',
          `    let savepoints = 0\n      , connection\n      , prepare = null\n      , closedBy = null ${mark}\n`,
        ],
        [
          '        new Promise((_, reject) => connection.onclose = reject)\n',
          '        new Promise((_, reject) => connection.onclose = e => {\n          closedBy = e\n          while (queries.length)\n            queries.shift().reject(e)\n          reject(e)\n        })\n',
        ],
        [
          '      function handler(q) {\n        q.catch(e => uncaughtError || (uncaughtError = e))\n        c.queue === full\n',
          '      function handler(q) {\n        q.catch(e => uncaughtError || (uncaughtError = e))\n        if (closedBy)\n          return q.reject(closedBy)\n        c.queue === full\n',
        ],
      ],
    },
  ],
};

for (const dir of ['src', 'cjs/src', 'cf/src']) {
  for (const [name, list] of Object.entries(guards)) {
    const path = join(root, dir, name);
    let source;
    try {
      source = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const original = source;
    for (const { mark, edits } of list) {
      if (source.includes(mark)) continue;
      for (const [from, to, all] of edits(mark)) {
        if (!source.includes(from))
          throw new Error(
            `postgres ${dir}/${name}: the code to guard has changed; review scripts/patch-postgres.mjs`,
          );
        source = all ? source.replaceAll(from, to) : source.replace(from, to);
      }
    }
    if (source !== original) writeFileSync(path, source);
  }
}
