import { createServer, type Server } from 'node:http';
import { requestText } from '@hal/auth-server';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AWKWARD_BODY, AWKWARD_BODY_TEXT, answerBody, rawRequest } from '../support/raw-http';

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

  /** POSTs AWKWARD_BODY to `path`, with its head in one write, or then in two pieces 50 ms apart. */
  function post(path: string, { pieces = false, chunked = false } = {}) {
    const head = [
      `POST ${path} HTTP/1.1`,
      'Host: localhost',
      'Content-Type: application/json',
      chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${AWKWARD_BODY.length}`,
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    const body = chunked
      ? Buffer.concat([
          Buffer.from(`${AWKWARD_BODY.length.toString(16)}\r\n`),
          AWKWARD_BODY,
          Buffer.from('\r\n0\r\n\r\n'),
        ])
      : AWKWARD_BODY;
    return rawRequest(port, head, body, { pieces }).then((answer) => JSON.parse(answerBody(answer)));
  }

  it.each(['/at-once', '/after-await'])(
    'takes a body that came with its headers from the buffer (%s)',
    async (path) => {
      expect(await post(path)).toEqual({ direct: true, text: AWKWARD_BODY_TEXT });
    },
  );

  it.each(['/at-once', '/after-await'])(
    'streams a body still arriving and a chunked one (%s)',
    async (path) => {
      expect(await post(path, { pieces: true })).toEqual({ direct: false, text: AWKWARD_BODY_TEXT });
      expect(await post(path, { chunked: true })).toEqual({ direct: false, text: AWKWARD_BODY_TEXT });
    },
  );
});
