import { serve } from '@hono/node-server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { z } from 'zod';

export interface ExampleOptions {
  /** HAL's issuer, e.g. http://localhost:3000 */
  issuer: string;
  /** This server's resource identifier, registered in HAL: `<public URL>/mcp`. */
  resource: string;
}

const SCOPES = ['notes:read', 'notes:write'];
/** The scope each tool needs. */
const TOOL_SCOPES: Record<string, string> = { list_notes: 'notes:read', add_note: 'notes:write' };

/** An MCP server whose tools are protected by HAL's JWT access tokens (RFC 9068). */
export function createExample({ issuer, resource }: ExampleOptions) {
  const jwks = createRemoteJWKSet(new URL(`${issuer.replace(/\/$/, '')}/.well-known/jwks.json`));
  const metadataUrl = `${new URL(resource).origin}/.well-known/oauth-protected-resource${new URL(resource).pathname}`;
  const notes = new Map<string, string[]>(); // in memory, per user (`sub`)

  const challenge = (params: Record<string, string>) =>
    `Bearer ${Object.entries({ resource_metadata: metadataUrl, ...params })
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}`;

  const metadata = {
    resource,
    authorization_servers: [issuer],
    scopes_supported: SCOPES,
    bearer_methods_supported: ['header'],
  };

  const app = new Hono();
  app.get('/.well-known/oauth-protected-resource', (c) => c.json(metadata));
  app.get(`/.well-known/oauth-protected-resource${new URL(resource).pathname}`, (c) => c.json(metadata));

  app.post('/mcp', async (c) => {
    // RFC 6750 + RFC 9728: no token → 401 pointing at our metadata; a bad one → invalid_token.
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    if (!token) {
      c.header('WWW-Authenticate', challenge({ scope: SCOPES.join(' ') }));
      return c.json({ error: 'unauthorized' }, 401);
    }
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks, { issuer, audience: resource, typ: 'at+jwt' }));
    } catch (error) {
      // RFC 6750 §3: the description is a quoted-string of printable ASCII, without `"` or `\`.
      const reason = (error instanceof Error ? error.message : 'invalid token').replace(/[^ !#-[\]-~]/g, '');
      c.header('WWW-Authenticate', challenge({ error: 'invalid_token', error_description: reason }));
      return c.json({ error: 'invalid_token' }, 401);
    }
    const granted = new Set(String(claims.scope ?? '').split(' '));
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ jsonrpc: '2.0', error: { code: -32700, message: 'parse error' }, id: null }, 400);
    }
    // A tool call needing a scope the token lacks: 403 insufficient_scope (MCP scope challenge).
    for (const message of Array.isArray(body) ? body : [body]) {
      const needed = message?.method === 'tools/call' ? TOOL_SCOPES[message.params?.name] : undefined;
      if (needed && !granted.has(needed)) {
        const scope = [...new Set([...SCOPES.filter((s) => granted.has(s)), needed])].join(' ');
        c.header('WWW-Authenticate', challenge({ error: 'insufficient_scope', scope }));
        return c.json({ error: 'insufficient_scope' }, 403);
      }
    }

    const user = String(claims.sub);
    const server = new McpServer({ name: 'notes', version: '1.0.0' });
    server.registerTool(
      'add_note',
      { description: 'Save a note', inputSchema: { text: z.string().min(1).max(1000) } },
      async ({ text }) => {
        const mine = notes.get(user) ?? [];
        mine.push(text);
        notes.set(user, mine);
        return { content: [{ type: 'text', text: `Saved note #${mine.length}` }] };
      },
    );
    server.registerTool(
      'list_notes',
      { description: 'List your notes', outputSchema: { notes: z.array(z.string()) } },
      async () => {
        const mine = notes.get(user) ?? [];
        return {
          content: [{ type: 'text', text: mine.join('\n') || '(no notes)' }],
          structuredContent: { notes: mine },
        };
      },
    );
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw, { parsedBody: body });
    } finally {
      await server.close();
    }
  });
  // Stateless: no stream on GET, no session to end on DELETE.
  app.on(['GET', 'DELETE'], '/mcp', (c) => {
    c.header('Allow', 'POST');
    return c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'method not allowed' }, id: null }, 405);
  });
  return app;
}

/**
 * Starts the example on `port` (0: any free port), on `hostname` (default: @hono/node-server's);
 * `resource` defaults to `http://127.0.0.1:<port>/mcp`.
 */
export async function startExample(options: {
  issuer: string;
  port: number;
  resource?: string;
  hostname?: string;
}) {
  let app: Hono | undefined;
  let resourceUrl = options.resource ?? '';
  const server = serve({
    fetch: (req) => (app as Hono).fetch(req),
    port: options.port,
    hostname: '127.0.0.1',
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  resourceUrl ||= `http://127.0.0.1:${port}/mcp`;
  app = createExample({ issuer: options.issuer, resource: resourceUrl });
  return {
    url: resourceUrl,
    port,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
