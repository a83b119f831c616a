import { connect, createServer, type Server, type Socket } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BACKENDS } from '../support/servers';

// The guards scripts/patch-postgres.mjs applies to postgres.js, where a test can aim at one alone.
describe.runIf(BACKENDS.includes('postgres'))('postgres.js, guarded', () => {
  const upstream = new URL(inject('pgAdminUrl'));
  let proxy: Server;
  let resets = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    // A TCP proxy that resets the client's connection the first time it sends the array-type
    // query a new postgres.js connection runs before any other (as a restart caught it at).
    proxy = createServer((client: Socket) => {
      const server = connect(Number(upstream.port), upstream.hostname);
      client.on('data', (chunk) => {
        if (resets === 0 && chunk.includes('typarray')) {
          resets++;
          server.destroy();
          client.resetAndDestroy();
          return;
        }
        server.write(chunk);
      });
      server.on('data', (chunk) => client.writable && client.write(chunk));
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
      client.on('close', () => server.destroy());
      server.on('close', () => client.destroy());
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await new Promise((done) => proxy.close(done));
  });

  it('types-query: a connection reset during its array-type query fails its query, and nothing else', async () => {
    const address = proxy.address();
    if (!address || typeof address === 'string') throw new Error('proxy not listening');
    const url = new URL(upstream);
    url.port = String(address.port);
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} }); // fetch_types on: the default
    try {
      await expect(sql`select 1 as one`).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(resets).toBe(1);
      // The connection opens again, fetches the types this time, and serves queries: an int[]
      // comes back parsed only when it did (unparsed, it would be the text '{1,2}').
      const [row] = await sql`select array[1, 2]::int[] as numbers`;
      expect(row?.numbers).toEqual([1, 2]);
      // A rejection nobody holds is reported a turn or two later.
      await new Promise((done) => setTimeout(done, 50));
      expect(unhandled).toEqual([]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
