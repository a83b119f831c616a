import { describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { codeFlow } from '../support/oauth';
import { BACKENDS } from '../support/servers';

const HAL_SCOPES = ['profile', 'apps:read', 'apps:write', 'projects:read', 'projects:write', 'widget:serve'];

describe.each(BACKENDS)('protected resource metadata on %s (RFC 9728)', (backend) => {
  const hal = useInstance(backend, { user: { login: true }, app: { allowed_scopes: ['profile'] } });
  const metadataUrl = (path: string) => `${hal.url}/.well-known/oauth-protected-resource${path}`;
  const challenge = (params = '') =>
    `Bearer realm="hal", ${params}resource_metadata="${metadataUrl('/api')}"`;

  describe('documents (RFC 9728 §2, §3)', () => {
    it.each([
      ['/api', 'HAL API'],
      ['/mcp', 'HAL MCP server'],
    ])('publishes the document of <issuer>%s at its path under the well-known prefix', async (path, name) => {
      const res = await api(hal.url, 'GET', `/.well-known/oauth-protected-resource${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.json).toEqual({
        resource: `${hal.url}${path}`,
        authorization_servers: [hal.url],
        scopes_supported: HAL_SCOPES,
        bearer_methods_supported: ['header'],
        resource_name: name,
      });
    });

    it("answers the root well-known URL with /mcp's document, for clients that probe only the root", async () => {
      const root = await api(hal.url, 'GET', '/.well-known/oauth-protected-resource');
      const mcp = await api(hal.url, 'GET', '/.well-known/oauth-protected-resource/mcp');
      expect(root.status).toBe(200);
      expect(root.json).toEqual(mcp.json);
    });

    it('answers 404 for a resource HAL does not serve', async () => {
      expect((await api(hal.url, 'GET', '/.well-known/oauth-protected-resource/other')).status).toBe(404);
    });
  });

  describe('authorization server metadata (RFC 8414, RFC 9728 §4)', () => {
    it('adds registration, client ID metadata documents and the protected resources', async () => {
      const res = await api(hal.url, 'GET', '/.well-known/oauth-authorization-server');
      expect(res.json).toMatchObject({
        registration_endpoint: `${hal.url}/oauth/register`,
        client_id_metadata_document_supported: true,
        code_challenge_methods_supported: ['S256'],
        protected_resources: [`${hal.url}/api`, `${hal.url}/mcp`],
      });
    });

    it('leads from a 401 challenge to the authorization server (RFC 9728 §5.1)', async () => {
      const unauthenticated = await api(hal.url, 'GET', '/api/v1/projects');
      const url = /resource_metadata="([^"]+)"/.exec(
        unauthenticated.headers.get('www-authenticate') ?? '',
      )?.[1];
      const document = await api(hal.url, 'GET', new URL(url as string).pathname);
      // RFC 9728 §3.3: the document's resource is the one the request was for.
      expect(document.json.resource).toBe(`${hal.url}/api`);
      const [issuer] = document.json.authorization_servers;
      const as = await api(issuer, 'GET', '/.well-known/oauth-authorization-server');
      expect(as.json.issuer).toBe(issuer);
    });
  });

  describe('challenges of /api (contract: every 401 and 403 names the metadata)', () => {
    it('names the metadata in the 401 without credentials', async () => {
      const res = await api(hal.url, 'GET', '/api/v1/auth/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(challenge());
    });

    it('names the metadata in the 401 for an invalid token', async () => {
      const res = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: bearer('not-a-token') });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        challenge(
          'error="invalid_token", error_description="the credentials are invalid, expired or revoked", ',
        ),
      );
    });

    it('answers a missing scope with a 403 step-up challenge naming it (RFC 6750 §3.1)', async () => {
      const { res } = await codeFlow(hal.url, hal.user.browser, hal.app, { scope: 'profile' });
      const refused = await api(hal.url, 'GET', '/api/v1/projects', { auth: bearer(res.json.access_token) });
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('insufficient_scope');
      expect(refused.headers.get('www-authenticate')).toBe(
        challenge('error="insufficient_scope", scope="projects:read", '),
      );
    });

    it('names the metadata on a 403 that no scope would lift, without an error code', async () => {
      const { res } = await codeFlow(hal.url, hal.user.browser, hal.app, { scope: 'profile' });
      const refused = await api(hal.url, 'GET', '/api/v1/tokens', { auth: bearer(res.json.access_token) });
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('forbidden');
      expect(refused.headers.get('www-authenticate')).toBe(challenge());
    });

    it('names the metadata on the 403 of sign-identity for a credential bound to no project', async () => {
      const pat = await api(hal.url, 'POST', '/api/v1/tokens', {
        auth: bearer(hal.user.session),
        body: { name: 'signer', scopes: ['widget:serve'] },
      });
      const refused = await api(hal.url, 'POST', '/api/oauth/widget/sign-identity', {
        auth: bearer(pat.json.data.token),
        body: { user_id: 'u1' },
      });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toBe(challenge());
    });
  });

  describe('/mcp', () => {
    it('names a least-privilege starting scope and its own metadata in its 401 challenge', () => {
      const { mcp } = hal.srv.services.resources;
      expect(mcp).toMatchObject({
        identifier: `${hal.url}/mcp`,
        metadataUrl: metadataUrl('/mcp'),
        startingScope: 'profile projects:read apps:read',
      });
    });
  });
});
