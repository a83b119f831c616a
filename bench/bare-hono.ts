import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/**
 * The framework ceiling: Hono on `@hono/node-server` answering each scenario's request with the
 * JSON HAL answered (same bytes, stringified per request). POST routes read the body the way
 * HAL does: `c.req.text()`, then `JSON.parse` for a JSON body (the widget routes) or
 * `URLSearchParams` for a form (the OAuth endpoints). Routes come from `BARE_ROUTES`:
 * `{ "/path": { "method": "GET" | "POST", "body": <json> } }`.
 */
type Route = { method: 'GET' | 'POST'; body: unknown };
const routes = JSON.parse(process.env.BARE_ROUTES ?? '{}') as Record<string, Route>;

const app = new Hono();
for (const [path, route] of Object.entries(routes)) {
  if (route.method === 'GET') app.get(path, (c) => c.json(route.body as object));
  else
    app.post(path, async (c) => {
      const text = await c.req.text();
      if (/^application\/json/i.test(c.req.header('content-type') ?? '')) JSON.parse(text);
      else new URLSearchParams(text);
      c.header('Cache-Control', 'no-store');
      return c.json(route.body as object);
    });
}

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, (info) =>
  console.log(`READY ${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
