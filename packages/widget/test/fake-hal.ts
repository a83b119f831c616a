import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IdentifyCall {
  origin: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A stand-in for the HAL server: serves the built script, host pages registered by the tests, and
 * `/api/widget/v1/identify`, which accepts `user_hash === 'good'` or a user_jwt signed `sig`.
 */
export async function startFakeHal(scriptPath: string) {
  const pages = new Map<string, string>();
  const calls: IdentifyCall[] = [];

  const json = (res: ServerResponse, status: number, body: unknown, origin?: string) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...cors(origin) });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const origin = req.headers.origin;
    if (path === '/widget/v1/hal-widget.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(readFileSync(scriptPath));
    } else if (pages.has(path)) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(pages.get(path));
    } else if (path === '/api/widget/v1/identify' && req.method === 'OPTIONS') {
      res.writeHead(204, cors(origin));
      res.end();
    } else if (path === '/api/widget/v1/identify' && req.method === 'POST') {
      const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      calls.push({ origin, body });
      const user = verify(body);
      if (user) json(res, 200, { data: { widget_token: 'wt_test', expires_in: 3600, ...user } }, origin);
      else
        json(res, 401, { error: { code: 'invalid_user_hash', message: 'user_hash does not match' } }, origin);
    } else {
      // Includes /favicon.ico: Chromium logs a 404 for it as a console error.
      res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    calls,
    // The page and the script come from different origins, as on a real customer site.
    pageOrigin: `http://localhost:${port}`,
    scriptUrl: `http://127.0.0.1:${port}/widget/v1/hal-widget.js`,
    serve: (path: string, html: string) => pages.set(path, html),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on, for network_error. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The verified profile, as HAL answers it: the JWT's claims, or the fields sent with the hash. */
function verify(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (typeof body.user_jwt === 'string') {
    const [, payload, signature] = body.user_jwt.split('.');
    const { sub, name, email } = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    return signature === 'sig' ? { user_id: sub, name, email } : undefined;
  }
  const { user_id, name, email } = body;
  return body.user_hash === 'good' && typeof user_id === 'string' ? { user_id, name, email } : undefined;
}

const cors = (origin: string | undefined): Record<string, string> =>
  origin
    ? {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': 'POST',
        'Access-Control-Allow-Headers': 'Content-Type',
        Vary: 'Origin',
      }
    : {};

async function readBody(req: IncomingMessage): Promise<string> {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data;
}
