import { describe, expect, it } from 'vitest';
import { OAUTH_SCOPES } from '../scopes';
import {
  checkClientRegistration,
  publicRegistrationFingerprint,
  registeredMetadata,
} from './client-registration';

const minimal = { redirect_uris: ['http://127.0.0.1:33418/callback'] };

describe('checkClientRegistration (RFC 7591 §2, §3.1)', () => {
  it('fills in the RFC 7591 §2 defaults: client_secret_basic, authorization_code, code', () => {
    const r = checkClientRegistration(minimal);
    expect(registeredMetadata(r)).toEqual({
      redirect_uris: minimal.redirect_uris,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: OAUTH_SCOPES.join(' '),
    });
  });

  it('keeps the metadata it understands and ignores the rest (RFC 7591 §2)', () => {
    const r = checkClientRegistration({
      ...minimal,
      client_name: ' Claude ',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'profile projects:read',
      client_uri: 'https://claude.example',
      software_id: 'claude-desktop',
      software_version: '1.0',
      jwks_uri: 'https://ignored.example/jwks',
    });
    expect(registeredMetadata(r)).toEqual({
      client_name: 'Claude',
      redirect_uris: minimal.redirect_uris,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'profile projects:read',
      client_uri: 'https://claude.example',
      software_id: 'claude-desktop',
      software_version: '1.0',
    });
  });

  it.each([
    ['no redirect_uris', {}, 'redirect_uris must be a non-empty array of strings'],
    ['an empty list', { redirect_uris: [] }, 'redirect_uris must be a non-empty array of strings'],
    [
      'a string',
      { redirect_uris: 'https://a.example/cb' },
      'redirect_uris must be a non-empty array of strings',
    ],
    [
      'a fragment',
      { redirect_uris: ['https://a.example/cb#x'] },
      'redirect_uris.0: redirect_uri must not contain a fragment',
    ],
    [
      'http off loopback',
      { redirect_uris: ['https://a.example/cb', 'http://a.example/cb'] },
      'redirect_uris.1: redirect_uri must use https unless its host is a loopback address',
    ],
  ])('refuses %s with invalid_redirect_uri (RFC 7591 §3.2.2)', (_what, body, description) => {
    expect(() => checkClientRegistration(body)).toThrow(
      expect.objectContaining({ error: 'invalid_redirect_uri', error_description: description }),
    );
  });

  it.each([
    ['a body that is not an object', [], 'request body must be a JSON object'],
    [
      'an unsupported auth method',
      { ...minimal, token_endpoint_auth_method: 'private_key_jwt' },
      'token_endpoint_auth_method must be one of none, client_secret_basic, client_secret_post',
    ],
    [
      'client_credentials',
      { ...minimal, grant_types: ['client_credentials'] },
      'grant_types value is not supported: client_credentials',
    ],
    ['implicit', { ...minimal, response_types: ['token'] }, 'response_types value is not supported: token'],
    [
      'refresh_token alone',
      { ...minimal, grant_types: ['refresh_token'] },
      'grant_types must include authorization_code and response_types code',
    ],
    ['an unknown scope', { ...minimal, scope: 'profile admin' }, 'scope is not supported: admin'],
    [
      'a non-string name',
      { ...minimal, client_name: 7 },
      'client_name must be a string of at most 100 characters',
    ],
    ['an http logo', { ...minimal, logo_uri: 'http://a.example/l.png' }, 'logo_uri must be an https URL'],
  ])('refuses %s with invalid_client_metadata (RFC 7591 §3.2.2)', (_what, body, description) => {
    expect(() => checkClientRegistration(body)).toThrow(
      expect.objectContaining({ error: 'invalid_client_metadata', error_description: description }),
    );
  });
});

describe('publicRegistrationFingerprint', () => {
  const fp = (body: Record<string, unknown>) => publicRegistrationFingerprint(checkClientRegistration(body));
  const base = { ...minimal, client_name: 'A', software_id: 's', token_endpoint_auth_method: 'none' };

  it('is the same for the same name, redirect URIs (in any order) and software id', () => {
    const two = { ...base, redirect_uris: ['https://a.example/cb', 'http://127.0.0.1/cb'] };
    expect(fp(two)).toBe(
      fp({ ...two, redirect_uris: [...two.redirect_uris].reverse(), software_version: '2' }),
    );
  });

  it.each([
    ['name', { client_name: 'B' }],
    ['redirect URIs', { redirect_uris: ['http://127.0.0.1:1/callback'] }],
    ['software id', { software_id: 't' }],
  ])('differs when the %s differs', (_what, change) => {
    expect(fp({ ...base, ...change })).not.toBe(fp(base));
  });
});
