import { describe, expect, it } from 'vitest';
import { InvalidScope, InvalidTarget, type OAuthError } from '../errors';
import { Params } from '../params';
import { audienceIncludes, halResources, type ResourceRegistry, resourceMetadataUrl } from '../resources';
import {
  audienceOf,
  canonicalResource,
  checkResourceScopes,
  narrowResources,
  parseResources,
  requestedResources,
  resolveResources,
} from './resource';

const ISSUER = 'https://hal.example';
const { api, mcp } = halResources(ISSUER);
const files = { identifier: 'https://files.example/api', name: 'Files', scopes: ['files:read'] };
const registry: ResourceRegistry = {
  fallback: api,
  resolveResource: async (id) => [api, mcp, files].find((r) => r.identifier === id),
};

async function failure(fn: () => unknown): Promise<OAuthError> {
  try {
    await fn();
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('expected an error');
}

describe('parseResources (RFC 8707 §2)', () => {
  it('keeps absolute URIs, lower-cases scheme and host, drops duplicates', () => {
    expect(
      parseResources(['HTTPS://HAL.Example/mcp', 'https://hal.example/mcp', 'urn:example:thing']),
    ).toEqual(['https://hal.example/mcp', 'urn:example:thing']);
  });

  it('leaves path and query as they are', () => {
    expect(canonicalResource('https://hal.example/MCP?tenant=A')).toBe('https://hal.example/MCP?tenant=A');
  });

  it.each([
    ['a relative reference', '/mcp'],
    ['a host without scheme', 'hal.example/mcp'],
    ['a fragment', 'https://hal.example/mcp#tools'],
    ['an empty fragment', 'https://hal.example/mcp#'],
    ['a space', 'https://hal.example/m cp'],
    ['a quote', 'https://hal.example/"mcp"'],
  ])('refuses %s with invalid_target', async (_label, value) => {
    const err = await failure(() => parseResources([value]));
    expect(err).toBeInstanceOf(InvalidTarget);
    expect(err).toMatchObject({
      error: 'invalid_target',
      error_description: 'resource must be an absolute URI without a fragment',
      status: 400,
    });
  });
});

describe('requestedResources', () => {
  it('is the fallback resource when the request names none', async () => {
    expect(await requestedResources([], registry)).toEqual([api]);
  });

  it('resolves each named resource', async () => {
    expect(await requestedResources([mcp.identifier, api.identifier], registry)).toEqual([mcp, api]);
  });

  it('refuses an unknown resource with invalid_target naming it', async () => {
    const err = await failure(() => resolveResources(['https://elsewhere.example/api'], registry));
    expect(err).toMatchObject({
      error: 'invalid_target',
      error_description: 'unknown resource: https://elsewhere.example/api',
    });
  });

  it('does not echo a very long unknown resource', async () => {
    const long = `https://elsewhere.example/${'a'.repeat(300)}`;
    expect(await failure(() => resolveResources([long], registry))).toMatchObject({
      error_description: 'unknown resource',
    });
  });
});

describe('checkResourceScopes (contract "AI clients")', () => {
  it('accepts scopes a requested resource defines, and profile with any resource', () => {
    expect(() => checkResourceScopes(['profile', 'projects:read'], [mcp])).not.toThrow();
    expect(() => checkResourceScopes(['profile', 'files:read'], [files])).not.toThrow();
  });

  it('refuses a scope no requested resource defines with invalid_scope', async () => {
    const err = await failure(() => checkResourceScopes(['projects:read'], [files]));
    expect(err).toBeInstanceOf(InvalidScope);
    expect(err.error_description).toBe('scope not defined by the requested resource: projects:read');
  });
});

describe('narrowResources (RFC 8707 §2.2)', () => {
  const scopes = ['profile', 'projects:read'];

  it('is everything recorded when the token request names no resource', () => {
    expect(narrowResources([], [api.identifier, mcp.identifier], scopes, api.identifier)).toEqual({
      resources: [api.identifier, mcp.identifier],
      scopes,
    });
  });

  it('treats an empty record (issued before resource indicators) as the fallback', () => {
    expect(narrowResources([], [], scopes, api.identifier).resources).toEqual([api.identifier]);
    expect(narrowResources([api], [], scopes, api.identifier).resources).toEqual([api.identifier]);
    expect(() => narrowResources([mcp], [], scopes, api.identifier)).toThrow(InvalidTarget);
  });

  it('narrows to a requested subset', () => {
    expect(narrowResources([mcp], [api.identifier, mcp.identifier], scopes, api.identifier)).toEqual({
      resources: [mcp.identifier],
      scopes,
    });
  });

  it('refuses to widen with invalid_target', async () => {
    const err = await failure(() => narrowResources([mcp], [api.identifier], scopes, api.identifier));
    expect(err).toMatchObject({
      error: 'invalid_target',
      error_description: 'resource exceeds the original grant',
    });
  });

  it('downscopes the access token to what the requested resources define', () => {
    const granted = ['profile', 'projects:read', 'files:read'];
    const recorded = [api.identifier, files.identifier];
    expect(narrowResources([files], recorded, granted, api.identifier).scopes).toEqual([
      'profile',
      'files:read',
    ]);
    expect(narrowResources([api], recorded, granted, api.identifier).scopes).toEqual([
      'profile',
      'projects:read',
    ]);
  });

  it('refuses a narrowing that leaves no granted scope with invalid_scope', async () => {
    const err = await failure(() =>
      narrowResources([files], [api.identifier, files.identifier], ['projects:read'], api.identifier),
    );
    expect(err).toMatchObject({
      error: 'invalid_scope',
      error_description: 'no granted scope is defined by the requested resource',
    });
  });
});

describe('audiences', () => {
  it('is a string for one resource and an array for several (RFC 7519 §4.1.3)', () => {
    expect(audienceOf([api.identifier])).toBe(api.identifier);
    expect(audienceOf([api.identifier, mcp.identifier])).toEqual([api.identifier, mcp.identifier]);
  });

  it('matches a string or an element of an array, nothing else', () => {
    expect(audienceIncludes(mcp.identifier, mcp.identifier)).toBe(true);
    expect(audienceIncludes([api.identifier, mcp.identifier], mcp.identifier)).toBe(true);
    expect(audienceIncludes(api.identifier, mcp.identifier)).toBe(false);
    expect(audienceIncludes(undefined, mcp.identifier)).toBe(false);
    expect(audienceIncludes(`${mcp.identifier}/`, mcp.identifier)).toBe(false);
  });
});

describe('resourceMetadataUrl (RFC 9728 §3.1)', () => {
  it('inserts the well-known path between host and path', () => {
    expect(resourceMetadataUrl(mcp.identifier)).toBe(
      'https://hal.example/.well-known/oauth-protected-resource/mcp',
    );
    expect(resourceMetadataUrl('https://hal.example')).toBe(
      'https://hal.example/.well-known/oauth-protected-resource',
    );
  });
});

describe('Params and repeated resource values', () => {
  it('lists every value of a form parameter', () => {
    const params = Params.from([
      ['resource', 'https://a.example'],
      ['resource', ''],
      ['resource', 'https://b.example'],
    ]);
    expect(params.all('resource')).toEqual(['https://a.example', 'https://b.example']);
  });

  it('reads a JSON array of strings under resource as repeated values', () => {
    const params = Params.fromJson({
      resource: ['https://a.example', 'https://b.example'],
      scope: 'profile',
    });
    expect(params.all('resource')).toEqual(['https://a.example', 'https://b.example']);
  });
});
