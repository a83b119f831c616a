import type { Context } from 'hono';

/**
 * A 200 JSON answer whose headers are a plain object. Served by Node (`server.ts`, where the
 * request id travels on Node's response, never as a Hono header), no header was set through Hono
 * before the route, so @hono/node-server writes this object as it is, where `c.header()` and
 * `c.json()` build and iterate a WHATWG Headers object on every request. Elsewhere
 * (`app.request()` in tests) Hono builds the answer, with the headers set before it.
 */
export function plainJson(c: Context, json: string, headers: Readonly<Record<string, string>>): Response {
  const outgoing = (c.env as { outgoing?: object } | undefined)?.outgoing;
  if (outgoing && 'requestId' in outgoing) return new Response(json, { status: 200, headers });
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  return c.body(json, 200);
}
