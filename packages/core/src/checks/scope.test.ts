import { describe, expect, it } from 'vitest';
import { InvalidScope, type OAuthError } from '../errors';
import { checkRefreshScope, checkRequestedScopes } from './scope';

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('expected an error');
};

const expectInvalidScope = (fn: () => unknown, description: string) => {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(InvalidScope);
  expect(err).toMatchObject({ error: 'invalid_scope', error_description: description, status: 400 });
};

describe('checkRequestedScopes', () => {
  const ALLOWED = ['profile', 'projects:read', 'widget:serve'];

  it('accepts known scopes the app is allowed', () => {
    expect(() => checkRequestedScopes(['profile', 'widget:serve'], ALLOWED)).not.toThrow();
  });

  it('accepts an empty request (authorization_details may carry the request)', () => {
    expect(() => checkRequestedScopes([], ALLOWED)).not.toThrow();
  });

  it.each([
    ['a scope outside the catalogue', 'admin'],
    ['a personal-access-token-only scope', 'tokens:write'],
    ['a scope in the wrong case (scopes are case-sensitive)', 'Profile'],
  ])('rejects %s with invalid_scope (RFC 6749 §4.1.2.1)', (_, scope) => {
    expectInvalidScope(() => checkRequestedScopes(['profile', scope], ALLOWED), `unknown scope: ${scope}`);
  });

  it('rejects a known scope the app is not allowed with invalid_scope (RFC 6749 §3.3)', () => {
    expectInvalidScope(
      () => checkRequestedScopes(['profile', 'apps:write'], ALLOWED),
      'scope not allowed for this client: apps:write',
    );
  });

  it.each([
    ['a double quote', 'a"b'],
    ['a backslash', 'a\\b'],
    ['a tab', 'a\tb'],
    ['non-ASCII', 'prőfile'],
  ])('rejects a scope with %s as malformed without echoing it (RFC 6749 §3.3, §5.2)', (_, scope) => {
    expectInvalidScope(() => checkRequestedScopes([scope], ALLOWED), 'scope is malformed');
  });
});

describe('checkRefreshScope', () => {
  const GRANTED = ['profile', 'projects:read', 'widget:serve'];

  it('keeps the original grant when scope is omitted (RFC 6749 §6)', () => {
    expect(checkRefreshScope([], GRANTED)).toEqual(GRANTED);
  });

  it.each([
    ['narrower', ['profile']],
    ['equal, in another order', ['widget:serve', 'profile', 'projects:read']],
  ])('returns a %s scope (RFC 6749 §6)', (_, requested) => {
    expect(checkRefreshScope(requested, GRANTED)).toEqual(requested);
  });

  it.each([
    ['a scope the grant does not hold', ['profile', 'projects:write']],
    ['an unknown scope', ['admin']],
  ])('rejects %s with invalid_scope: a refresh may not widen the grant (RFC 6749 §6)', (_, requested) => {
    expectInvalidScope(() => checkRefreshScope(requested, GRANTED), 'scope exceeds the original grant');
  });
});
