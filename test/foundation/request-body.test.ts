import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { requestText } from '@hal/auth-server';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// A leading BOM (dropped) and an invalid byte (U+FFFD), as `Response.text()` decodes them.
const BODY = Buffer.concat([
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from('{"name":"h\u00e9llo '),
  Buffer.from([0xff]),
  Buffer.from('"}'),
]);
const DECODED = '{"name":"h\u00e9llo \ufffd"}';

/**
 * requestText over a real socket: which bodies it takes at once from Node's buffer (it answers a
 * string, or a promise of one when the route asks before Node buffered the body that came with the
 * headers) and which it streams. `/at-once` reads before awaiting anything, as the token endpoint
 * does; `/after-await` after, as a route behind authentication does.
 */
describe('requestText', () => {
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    const app = new Hono();
    // `direct`: taken from Node's buffer, not through @hono/node-server's streamed read.
    const echo = async (c: Parameters<typeof requestText>[0]) => {
      const streamed = vi.spyOn(c.req, 'text');
      const text = await requestText(c);
      return c.json({ direct: streamed.mock.calls.length === 0, text });
    };
    app.post('/after-await', async (c) => {
      await Promise.resolve();
      return echo(c);
    });
    app.post('/at-once', (c) => echo(c));
    server = createServer(getRequestListener(app.fetch, { autoCleanupIncoming: false }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** POSTs BODY to `path`, with its head in one write, or then in two pieces 50 ms apart. */
  function post(path: string, { pieces = false, chunked = false } = {}) {
    const head = [
      `POST ${path} HTTP/1.1`,
      'Host: localhost',
      'Content-Type: application/json',
      chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${BODY.length}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    const body = chunked
      ? Buffer.concat([Buffer.from(`${BODY.length.toString(16)}\r\n`), BODY, Buffer.from('\r\n0\r\n\r\n')])
      : BODY;
    return new Promise<{ direct: boolean; text: string }>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
      });
      socket.on('end', () => resolve(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))));
      socket.on('error', reject);
      socket.on('connect', async () => {
        if (!pieces) return socket.write(Buffer.concat([Buffer.from(head), body]));
        socket.write(head);
        for (const piece of [body.subarray(0, 5), body.subarray(5)]) {
          await new Promise((r) => setTimeout(r, 50));
          socket.write(piece);
        }
      });
    });
  }

  it.each(['/at-once', '/after-await'])(
    'takes a body that came with its headers from the buffer (%s)',
    async (path) => {
      expect(await post(path)).toEqual({ direct: true, text: DECODED });
    },
  );

  it.each(['/at-once', '/after-await'])(
    'streams a body still arriving and a chunked one (%s)',
    async (path) => {
      expect(await post(path, { pieces: true })).toEqual({ direct: false, text: DECODED });
      expect(await post(path, { chunked: true })).toEqual({ direct: false, text: DECODED });
    },
  );
});
