import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { requestText } from '@hal/auth-server';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
 * string) and which it streams (a promise). HAL's routes run after at least one awaited step
 * (authentication, the request deadline), as `/after-await` does: by then Node has buffered a body
 * that came with its headers, though it has not yet marked the message complete.
 */
describe('requestText', () => {
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    const app = new Hono();
    const echo = async (c: Parameters<typeof requestText>[0]) => {
      const text = requestText(c);
      return c.json({ direct: typeof text === 'string', text: await text });
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

  it('takes a body that came with its headers at once, once the route has awaited', async () => {
    expect(await post('/after-await')).toEqual({ direct: true, text: DECODED });
  });

  it('streams a body still arriving, a chunked one, and one the route asks for before Node buffered it', async () => {
    expect(await post('/after-await', { pieces: true })).toEqual({ direct: false, text: DECODED });
    expect(await post('/after-await', { chunked: true })).toEqual({ direct: false, text: DECODED });
    expect(await post('/at-once')).toEqual({ direct: false, text: DECODED });
  });
});
