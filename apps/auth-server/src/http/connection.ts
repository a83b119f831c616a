import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Keeps a keep-alive connection (HTTP/1.1) usable for the request after this one.
 *
 * A route that never reads the body (a 404, a 405, a GET with a body, a refusal decided from the
 * headers) leaves it on the socket: once the answer is sent it is read off and discarded.
 * @hono/node-server's own clean-up (`autoCleanupIncoming`, off in `server.ts`) gives such a body
 * 500 ms and then destroys the socket, resetting a client still sending it; here the bound is the
 * size instead (Node's `requestTimeout` still ends a stalled request): past `limit` the
 * connection is closed.
 *
 * Node's parser reads nothing more on a connection after a request asking to upgrade it, which
 * HAL ignores (RFC 9110 §7.8): requests pipelined behind it would never be answered, so its
 * answer closes the connection.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-9.3
 */
export function tendConnection(req: IncomingMessage, res: ServerResponse, limit: number): void {
  if (req.headers.upgrade !== undefined) res.setHeader('Connection', 'close');
  // Most requests carry no body: they cost no listener.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return;
  res.once('finish', () => {
    if (req.readableEnded || req.destroyed) return;
    let drained = 0;
    // Whoever was reading the body (a web stream the route left unread) is done with it.
    req.removeAllListeners('data');
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > limit) req.socket.destroy();
    });
    req.resume();
  });
}

const BODY = JSON.stringify({
  error: { code: 'method_not_allowed', message: 'CONNECT is not supported: HAL is not a proxy' },
});

/**
 * Answers `CONNECT`, which Node hands to the server's `connect` event instead of the request
 * listener and, with no listener, answers by closing the connection: 405 in the REST error shape.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-9.3.6
 */
export function refuseConnect(headers: [string, string][]) {
  const head = [
    'HTTP/1.1 405 Method Not Allowed',
    ...headers.map(([name, value]) => `${name}: ${value}`),
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(BODY)}`,
    'Connection: close',
  ].join('\r\n');
  return (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {}); // a client gone before the answer is no error of ours
    socket.end(`${head}\r\n\r\n${BODY}`);
  };
}
