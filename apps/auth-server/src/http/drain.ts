import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Reads off and discards what is left of a request body once its response has been sent, so the
 * connection stays usable for the next request (HTTP/1.1 keep-alive). A route that never reads
 * the body (a 404, a 405, a GET with a body, a refusal decided from the headers) leaves it on the
 * socket. @hono/node-server's own clean-up (`autoCleanupIncoming`, turned off in `server.ts`)
 * gives such a body 500 ms and then destroys the socket, which resets a client still sending it.
 * Here the bound is the size instead: up to `limit` bytes are drained, however slowly they come
 * (Node's `requestTimeout` still ends a stalled request); past it the connection is closed.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-9.3
 */
export function drainAfterResponse(req: IncomingMessage, res: ServerResponse, limit: number): void {
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
