import { api, bearer } from './api';
import type { Instance } from './fixtures';
import { authorizationCode, exchangeCode, type RegisteredApp } from './oauth';

/** The MCP protocol revision HAL's tests speak unless told otherwise. */
export const PROTOCOL = '2025-11-25';

/**
 * One JSON-RPC request to `<base>/mcp` as a Streamable HTTP client sends it (MCP transports §2.1):
 * both media types accepted, the negotiated protocol version in its header.
 */
export function rpc(
  base: string,
  auth: string | undefined,
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return api(base, 'POST', '/mcp', {
    ...(auth && { auth }),
    body: { jsonrpc: '2.0', id: 1, method, params },
    headers: { accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL, ...headers },
  });
}

/** `tools/call` of `name`; the JSON-RPC result is `json.result`. */
export const callTool = (base: string, auth: string, name: string, args: Record<string, unknown> = {}) =>
  rpc(base, auth, 'tools/call', { name, arguments: args });

/** An access token for `<issuer>/mcp` with `scope`, approved by `hal.user` (bound to `projectId`). */
export async function mcpToken(hal: Instance, app: RegisteredApp, scope: string, projectId?: string) {
  const grant = await authorizationCode(hal.user.browser, app, {
    scope,
    resource: `${hal.url}/mcp`,
    ...(projectId && { project_id: projectId }),
  });
  const res = await exchangeCode(hal.url, app, grant);
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return bearer(res.json.access_token as string);
}
