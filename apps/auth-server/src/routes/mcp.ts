import { isUnstorable, OAUTH_SCOPES } from '@hal/core';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { insufficientScope } from '../http/auth';
import { requestText } from '../http/body';
import type { RouteDeps } from '../http/route-deps';
import type { Env } from '../http/types';
import { mcpServer, TOOL_SCOPES } from '../mcp/server';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A JSON-RPC error answered before the SDK runs (MCP Streamable HTTP: no `id` to echo). */
const rpcError = (c: Context, status: 400 | 403 | 405, code: number, message: string) =>
  c.json({ jsonrpc: '2.0', error: { code, message }, id: null }, status);

/**
 * `/mcp`: HAL's MCP server over Streamable HTTP, stateless (no session: any instance answers any
 * request). Checked in order: the browser's origin and the Host (DNS rebinding), the credential
 * (`aud` must name `<issuer>/mcp`), then each tool call's scope; the SDK handles the rest.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 */
export function mcpRoutes(s: RouteDeps, authenticate: MiddlewareHandler<Env>) {
  const issuer = new URL(s.config.issuer);
  const local = LOOPBACK.has(issuer.hostname);

  // MCP transports §security: servers MUST validate Origin (DNS rebinding); a page of another
  // origin is refused even with a token. A server on loopback also checks Host, which a rebound
  // name cannot fake; on a public host HAL sits behind whatever terminates TLS, and Origin suffices.
  const sameOrigin: MiddlewareHandler<Env> = async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== issuer.origin)
      return rpcError(c, 403, -32000, 'requests from this origin are not allowed');
    if (local && !LOOPBACK.has(hostname(c.req.header('host'))))
      return rpcError(c, 403, -32000, 'requests for this host are not allowed');
    await next();
  };

  return (
    new Hono<Env>()
      .use('/mcp', sameOrigin, authenticate)
      // Stateless: no server-initiated stream to offer on GET, no session to end on DELETE.
      .on(['GET', 'DELETE'], '/mcp', (c) => {
        c.header('Allow', 'POST');
        return rpcError(c, 405, -32000, 'method not allowed: this server is stateless; use POST');
      })
      .post('/mcp', async (c) => {
        let body: unknown;
        try {
          body = JSON.parse(await requestText(c));
        } catch {
          return rpcError(c, 400, -32700, 'parse error: the body is not valid JSON');
        }
        // PostgreSQL text cannot hold NUL: refused here, as the REST API does.
        if (isUnstorable(body))
          return rpcError(
            c,
            400,
            -32600,
            'strings must not contain NUL characters or nest deeper than 32 levels',
          );
        const principal = c.get('principal');
        const missing = missingScopes(body, principal.scopes);
        if (missing.length > 0) {
          // MCP authorization §scope challenge: the needed scopes plus those already granted, so a
          // client stepping up does not lose what it had.
          const granted = OAUTH_SCOPES.filter((scope) => principal.scopes.has(scope));
          throw insufficientScope(s.resources.mcp, missing.join(' '), [...granted, ...missing]);
        }
        const { server, failure } = mcpServer({ s, principal, c });
        const transport = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        await server.connect(transport);
        try {
          const res = await transport.handleRequest(c.req.raw, { parsedBody: body });
          const error = failure();
          if (error) throw error; // an outage or a bug: 503 or 500 from the error handler
          return res;
        } finally {
          // Closed once the SDK has settled the request, a few promise reactions after its answer:
          // closed at once, it aborted the finished request's handler (an AbortError and an
          // McpError built per request, a tenth of its CPU).
          setImmediate(() => void server.close().catch(() => {}));
        }
      })
  );
}

/** The scopes `tools/call` messages in `body` (one message or a batch) need and `scopes` lacks. */
function missingScopes(body: unknown, scopes: ReadonlySet<string>): string[] {
  const missing = new Set<string>();
  for (const message of Array.isArray(body) ? body : [body]) {
    if (message?.method !== 'tools/call') continue;
    const scope = TOOL_SCOPES.get(message.params?.name);
    if (scope && !scopes.has(scope)) missing.add(scope);
  }
  return [...missing];
}

/** The host name of a Host header (`[::1]:3000` → `[::1]`). */
function hostname(host: string | undefined): string {
  if (!host) return '';
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}
