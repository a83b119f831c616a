import { GRANT_TYPES, OAUTH_SCOPES } from '@hal/core';
import { type Context, Hono } from 'hono';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

/** Public, cacheable discovery documents, readable by browser-based clients too. */
function discovery(c: Context, body: object) {
  c.header('Cache-Control', 'public, max-age=300');
  c.header('Access-Control-Allow-Origin', '*');
  return c.json(body);
}

/**
 * Authorization server metadata, and the protected resource metadata of HAL's own resources.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function metadataRoutes(s: Services) {
  const issuer = s.config.issuer;
  const { api, mcp } = s.resources;
  const clientAuth = ['client_secret_basic', 'client_secret_post'];
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
    registration_endpoint: `${issuer}/oauth/register`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    scopes_supported: OAUTH_SCOPES,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: GRANT_TYPES,
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: [...clientAuth, 'none'],
    revocation_endpoint_auth_methods_supported: [...clientAuth, 'none'],
    introspection_endpoint_auth_methods_supported: clientAuth,
    authorization_details_types_supported: ['hal_project'],
    authorization_response_iss_parameter_supported: true,
    require_pushed_authorization_requests: false,
    client_id_metadata_document_supported: true,
    // RFC 9728 §4: HAL's own resources; registered resource servers are not advertised.
    protected_resources: [api.identifier, mcp.identifier],
  };
  const app = new Hono<Env>().get('/.well-known/oauth-authorization-server', (c) => discovery(c, metadata));
  // RFC 9728 §3.1: each document at its resource's path under the well-known prefix.
  for (const resource of [api, mcp]) {
    const document = s.resources.metadata(resource);
    app.get(new URL(resource.metadataUrl).pathname, (c) => discovery(c, document));
  }
  // RFC 9728 §3.1 places the root document at a resource without a path, which HAL does not have;
  // clients that probe only the root are MCP clients, whose resource is /mcp (a path prefix of
  // the URL they use, as MCP clients check), so the root answers with /mcp's document.
  const root = s.resources.metadata(mcp);
  app.get('/.well-known/oauth-protected-resource', (c) => discovery(c, root));
  return app;
}
