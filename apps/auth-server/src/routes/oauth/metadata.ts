import { GRANT_TYPES, OAUTH_SCOPES } from '@hal/core';
import { Hono } from 'hono';
import type { Env } from '../../http/types';
import type { Services } from '../../services';

/**
 * Authorization server metadata.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function metadataRoutes(s: Services) {
  const issuer = s.config.issuer;
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
  };
  return new Hono<Env>().get('/.well-known/oauth-authorization-server', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    c.header('Access-Control-Allow-Origin', '*');
    return c.json(metadata);
  });
}
