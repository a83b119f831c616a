import { describe, expect, it } from 'vitest';
import {
  checkClientMetadataDocument,
  METADATA_CACHE_MAX,
  METADATA_CACHE_MIN,
  metadataCacheLifetime,
  metadataDocumentUrl,
} from './client-metadata';

const URL_ID = 'https://client.example/oauth/client.json';
const valid = {
  client_id: URL_ID,
  client_name: 'Example MCP Client',
  redirect_uris: ['http://127.0.0.1:3000/callback', 'https://client.example/cb'],
  token_endpoint_auth_method: 'none',
};

describe('metadataDocumentUrl (client ID metadata document §3)', () => {
  it.each([URL_ID, 'https://client.example:8443/c', 'https://client.example/c?v=1'])(
    'recognises %s',
    (id) => {
      expect(metadataDocumentUrl(id)?.href).toBe(new URL(id).href);
    },
  );

  it.each([
    ['an ordinary client id', 'hal_app_01JABCDEFGHJKMNPQRSTVWXYZ0'],
    ['http', 'http://client.example/c.json'],
    ['no path', 'https://client.example'],
    ['a bare slash path', 'https://client.example/'],
    ['a fragment', 'https://client.example/c.json#x'],
    ['userinfo', 'https://user:pw@client.example/c.json'],
    ['a dot segment', 'https://client.example/a/./c.json'],
    ['a double-dot segment', 'https://client.example/a/../c.json'],
    ['an encoded double-dot segment', 'https://client.example/a/%2e%2E/c.json'],
    ['no host', 'https:///c.json'],
    ['another scheme', 'ftp://client.example/c.json'],
  ])('does not take %s for a document URL', (_what, id) => {
    expect(metadataDocumentUrl(id)).toBeUndefined();
  });

  it('accepts http only when allowed (HAL_CIMD_ALLOW_LOCAL)', () => {
    expect(metadataDocumentUrl('http://127.0.0.1:4000/c.json', true)?.port).toBe('4000');
  });
});

describe('checkClientMetadataDocument (client ID metadata document §4.1)', () => {
  it('keeps the name and redirect URIs of a valid document', () => {
    expect(
      checkClientMetadataDocument(URL_ID, { ...valid, logo_uri: 'https://client.example/l.png' }),
    ).toEqual({
      clientId: URL_ID,
      clientName: 'Example MCP Client',
      redirectUris: valid.redirect_uris,
      clientUri: undefined,
      logoUri: 'https://client.example/l.png',
    });
  });

  it('treats an absent token_endpoint_auth_method as none', () => {
    const { token_endpoint_auth_method: _, ...doc } = valid;
    expect(checkClientMetadataDocument(URL_ID, doc).clientName).toBe('Example MCP Client');
  });

  it.each([
    ['not an object', [], 'the document must be a JSON object'],
    [
      'a client_id that differs',
      { ...valid, client_id: `${URL_ID}/` },
      'client_id must equal the document URL',
    ],
    [
      'a client_id that differs in case only',
      { ...valid, client_id: URL_ID.toUpperCase() },
      'client_id must equal the document URL',
    ],
    ['no client_name', { ...valid, client_name: undefined }, 'client_name is required'],
    ['a blank client_name', { ...valid, client_name: '  ' }, 'client_name is required'],
    [
      'no redirect_uris',
      { ...valid, redirect_uris: [] },
      'redirect_uris must be a non-empty array of strings',
    ],
    [
      'an http redirect URI off loopback',
      { ...valid, redirect_uris: ['http://evil.example/cb'] },
      'redirect_uris.0: redirect_uri must use https unless its host is a loopback address',
    ],
    [
      'a shared-secret auth method',
      { ...valid, token_endpoint_auth_method: 'client_secret_basic' },
      'token_endpoint_auth_method must be none',
    ],
    [
      'a client_secret',
      { ...valid, client_secret: 'x' },
      'client_secret must not appear in a client metadata document',
    ],
  ])('refuses %s with invalid_client_metadata', (_what, doc, description) => {
    expect(() => checkClientMetadataDocument(URL_ID, doc)).toThrow(
      expect.objectContaining({ error: 'invalid_client_metadata', error_description: description }),
    );
  });
});

describe('metadataCacheLifetime (client ID metadata document §4.4, RFC 9111 §4.2.1)', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  it.each([
    [{ cacheControl: 'public, max-age=3600' }, 3600],
    [{ cacheControl: 'max-age=3600, s-maxage=600' }, 600],
    [{ cacheControl: 'max-age="120"' }, 120],
    [{ cacheControl: 'max-age=5' }, METADATA_CACHE_MIN],
    [{ cacheControl: 'max-age=9999999' }, METADATA_CACHE_MAX],
    [{ cacheControl: 'no-store, max-age=3600' }, METADATA_CACHE_MIN],
    [{ cacheControl: 'no-cache' }, METADATA_CACHE_MIN],
    [{ expires: 'Tue, 01 Dec 2026 11:00:00 GMT' }, 3600],
    [{ expires: 'Tue, 01 Dec 2026 11:00:00 GMT', date: 'Tue, 01 Dec 2026 10:30:00 GMT' }, 1800],
    [{ expires: '0' }, METADATA_CACHE_MIN],
    [{ cacheControl: 'max-age=7200', expires: 'Tue, 01 Dec 2026 10:05:00 GMT' }, 7200],
    [{}, METADATA_CACHE_MIN],
  ])('%j → %i s', (headers, seconds) => {
    expect(metadataCacheLifetime(headers, now)).toBe(seconds);
  });
});
