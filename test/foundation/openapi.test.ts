import { createApp } from '@hal/auth-server';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { useInstance } from '../support/fixtures';
import { codeFlow } from '../support/oauth';

// The REST surface the document covers: `/api/v1` and the contract's sign-identity.
const DOCUMENTED = (path: string) =>
  path.startsWith('/api/v1/') || path === '/api/oauth/widget/sign-identity';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document, walked by key
type Doc = any;

describe('OpenAPI document of /api/v1', () => {
  const hal = useInstance('pglite', {
    user: { login: true },
    app: { name: 'Widget Host', allowed_scopes: ['widget:serve', 'profile'] },
  });
  let doc: Doc;
  let resolved: Doc;

  beforeAll(async () => {
    const res = await api(hal.url, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = res.json;
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    if (!result.valid) throw new Error(`invalid OpenAPI document: ${JSON.stringify(result.errors)}`);
    resolved = validator.resolveRefs();
  });

  it('is a valid OpenAPI 3.1 document, served without authentication', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.servers).toEqual([{ url: hal.url }]);
    expect(doc.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      basic: { type: 'http', scheme: 'basic' },
    });
  });

  it('documents every /api/v1 route, and only routes that exist', () => {
    const app = createApp(hal.srv.services, new Uint8Array(32));
    const routes = new Set(
      app.routes
        .filter((r) => r.method !== 'ALL' && DOCUMENTED(r.path))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(
      [...routes].filter((r) => !documented.has(r)),
      'routes missing from the document',
    ).toEqual([]);
    expect(
      [...documented].filter((r) => !routes.has(r)),
      'documented but absent',
    ).toEqual([]);
    expect(routes.size).toBeGreaterThanOrEqual(25);
    // Each described by its own `operation()`, not only by the checks it shares with others.
    const bare = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Doc>)
        .filter(([, o]) => !o.summary || !Object.keys(o.responses).some((s) => /^2\d\d$/.test(s)))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(bare, 'operations without a summary or success answer').toEqual([]);
  });

  it('documents the scope, the 401 challenge and the 403 of every protected operation', () => {
    const op = doc.paths['/api/v1/oauth/apps'].post;
    expect(op.security).toEqual([{ bearer: ['apps:write'] }, { basic: [] }]);
    expect(op.responses['401'].headers['WWW-Authenticate']).toBeDefined();
    expect(op.responses['403'].description).toContain('insufficient_scope');
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, o] of Object.entries(item as Record<string, Doc>)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (o.security) {
          expect(Object.keys(o.responses), where).toEqual(expect.arrayContaining(['401', '403']));
          // One requirement per method: the needed scope for Bearer; Basic carries every scope, but
          // sign-identity needs a token bound to a project, which only OAuth gives.
          expect(o.security, where).toEqual(
            path === '/api/oauth/widget/sign-identity'
              ? [{ bearer: ['widget:serve'] }]
              : [{ bearer: [expect.any(String)] }, { basic: [] }],
          );
        }
        if (o.requestBody)
          expect(Object.keys(o.responses), where).toEqual(expect.arrayContaining(['400', '413', '415']));
        // Any operation may be refused for an outage, and says when to come back.
        expect(o.responses['503']?.headers?.['Retry-After'], where).toBeDefined();
        if (o.responses['429']) expect(o.responses['429'].headers?.['Retry-After'], where).toBeDefined();
        if (path.includes('{'))
          expect(
            o.parameters.map((p: Doc) => `${p.in} ${p.name}`),
            where,
          ).toEqual([...path.matchAll(/\{(\w+)\}/g)].map((m) => `path ${m[1]}`));
      }
    // The public ones say so by having no security requirement.
    expect(doc.paths['/api/v1/auth/login'].post.security).toBeUndefined();
    expect(doc.paths['/api/v1/oauth/apps/public/{client_id}'].get.security).toBeUndefined();
  });

  it('documents request bodies from the schemas that validate them', () => {
    const body = doc.paths['/api/v1/tokens'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['name', 'scopes']);
    expect(body.properties.expires_at).toMatchObject({ type: 'string', format: 'date-time' });
    const app = doc.paths['/api/v1/oauth/apps'].post.requestBody.content['application/json'].schema;
    expect(app.properties.client_type).toMatchObject({ enum: ['public', 'confidential'] });
    expect(app.additionalProperties).toBe(false);
  });

  describe('real answers match their documented response', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);

    /** The documented response of `res` must exist (status included) and its body must match it. */
    const conforms = (method: string, path: string, res: { status: number; json: unknown; text: string }) => {
      const op = resolved.paths[path]?.[method.toLowerCase()];
      expect(op, `${method} ${path} is documented`).toBeDefined();
      const documented = op.responses[String(res.status)];
      expect(documented, `${method} ${path} documents status ${res.status}: ${res.text}`).toBeDefined();
      const schema = documented.content?.['application/json']?.schema;
      if (!schema) return expect(res.text).toBe('');
      const validate = ajv.compile(schema);
      expect(validate(res.json), `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(
        true,
      );
    };

    it('successes', async () => {
      const auth = hal.user.auth;
      const call = async (method: string, path: string, docPath: string, body?: unknown, as = auth) => {
        const res = await api(hal.url, method, path, { auth: as, body });
        conforms(method, docPath, res);
        return res.json;
      };
      await call('GET', '/api/v1/auth/me', '/api/v1/auth/me');
      const { account } = hal.user;
      await call('POST', '/api/v1/auth/login', '/api/v1/auth/login', {
        email: account.email,
        password: account.password,
      });
      const project = (await call('POST', '/api/v1/projects', '/api/v1/projects', { name: 'Docs' })).data;
      await call('GET', '/api/v1/projects', '/api/v1/projects');
      await call('PATCH', `/api/v1/projects/${project.id}`, '/api/v1/projects/{id}', {
        allowed_origins: ['https://example.com'],
      });
      const app = (
        await call('POST', '/api/v1/oauth/apps', '/api/v1/oauth/apps', {
          name: 'Docs app',
          redirect_uris: ['https://example.com/cb'],
        })
      ).data;
      expect(app.client_secret).toMatch(/^hal_cs_/);
      await call('GET', '/api/v1/oauth/apps', '/api/v1/oauth/apps');
      await call('POST', `/api/v1/oauth/apps/${app.id}/secret`, '/api/v1/oauth/apps/{id}/secret');
      await call(
        'GET',
        `/api/v1/oauth/apps/public/${app.client_id}`,
        '/api/v1/oauth/apps/public/{client_id}',
      );
      const pat = (
        await call('POST', '/api/v1/tokens', '/api/v1/tokens', { name: 'ci', scopes: ['profile'] })
      ).data;
      await call('GET', '/api/v1/tokens', '/api/v1/tokens');
      const resource = (
        await call('POST', '/api/v1/resources', '/api/v1/resources', {
          name: 'Docs API',
          identifier: 'https://docs-api.example.com',
          scopes: [{ name: 'read', description: 'Read things' }],
        })
      ).data;
      await call('GET', `/api/v1/resources/${resource.id}/metadata`, '/api/v1/resources/{id}/metadata');
      await call('POST', '/api/v1/oauth/token/revoke', '/api/v1/oauth/token/revoke', {
        token: 'unknown',
        client_id: app.client_id,
        client_secret: (await api(hal.url, 'POST', `/api/v1/oauth/apps/${app.id}/secret`, { auth })).json.data
          .client_secret,
      });
      await call('DELETE', `/api/v1/tokens/${pat.id}`, '/api/v1/tokens/{id}');
      await call('DELETE', `/api/v1/projects/${project.id}`, '/api/v1/projects/{id}');
    });

    it('refusals: 400, 401 with WWW-Authenticate, 403 insufficient_scope, 404, 415', async () => {
      const noAuth = await api(hal.url, 'GET', '/api/v1/projects');
      expect(noAuth.headers.get('www-authenticate')).toMatch(/^Bearer /);
      conforms('GET', '/api/v1/projects', noAuth);

      const pat = await api(hal.url, 'POST', '/api/v1/tokens', {
        auth: hal.user.auth,
        body: { name: 'narrow', scopes: ['profile'] },
      });
      const narrow = await api(hal.url, 'GET', '/api/v1/projects', { auth: bearer(pat.json.data.token) });
      expect(narrow.json.error.code).toBe('insufficient_scope');
      conforms('GET', '/api/v1/projects', narrow);

      const missing = await api(hal.url, 'GET', '/api/v1/oauth/apps/nope', { auth: hal.user.auth });
      expect(missing.status).toBe(404);
      conforms('GET', '/api/v1/oauth/apps/{id}', missing);

      const invalid = await api(hal.url, 'POST', '/api/v1/projects', {
        auth: hal.user.auth,
        body: { name: '' },
      });
      expect(invalid.json.error.code).toBe('invalid_request');
      conforms('POST', '/api/v1/projects', invalid);

      const notJson = await api(hal.url, 'POST', '/api/v1/projects', {
        auth: hal.user.auth,
        body: 'name=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      conforms('POST', '/api/v1/projects', notJson);
      expect(notJson.status).toBe(415);
    });

    it('an OAuth access token: sign-identity, and refused on /api/v1/tokens', async () => {
      const project = await hal.user.createProject('Shop');
      const flow = await codeFlow(hal.url, hal.user.browser, hal.app, {
        scope: 'widget:serve',
        project_id: project.id,
      });
      const token = bearer(flow.res.json.access_token);
      const signed = await api(hal.url, 'POST', '/api/oauth/widget/sign-identity', {
        auth: token,
        body: { user_id: 'u1', name: 'Ada', email: 'ada@example.com' },
      });
      expect(signed.status).toBe(200);
      conforms('POST', '/api/oauth/widget/sign-identity', signed);
      const tokens = await api(hal.url, 'GET', '/api/v1/tokens', { auth: token });
      expect(tokens.json.error.code).toBe('forbidden');
      conforms('GET', '/api/v1/tokens', tokens);
      const me = await api(hal.url, 'GET', '/api/v1/auth/me', { auth: token });
      expect(me.json.error.code).toBe('insufficient_scope');
      conforms('GET', '/api/v1/auth/me', me);
    });

    it('a documented schema that does not fit the answer is caught', () => {
      const res = { status: 200, json: { data: { id: 1 } }, text: '{}' };
      expect(() => conforms('GET', '/api/v1/auth/me', res)).toThrow(/must have required property/);
    });
  });
});
