import { describe, expect, it } from 'vitest';
import { isLoopbackRedirectUri, matchRedirectUri, validateRegisteredRedirectUri } from './redirect-uri';

describe('validateRegisteredRedirectUri', () => {
  it.each([
    'https://app.example/cb',
    'https://app.example/cb?tenant=1',
    'https://app.example:8443/oauth/callback',
    'http://127.0.0.1/cb',
    'http://127.0.0.1:8080/cb',
    'http://[::1]:8080/cb',
    'http://localhost:3000/cb',
    'com.example.app:/oauth2redirect',
  ])('accepts %s', (uri) => {
    expect(validateRegisteredRedirectUri(uri)).toBeNull();
  });

  it.each([
    ['a relative path', '/cb', 'redirect_uri must be an absolute URL'],
    ['a scheme-less host', 'app.example/cb', 'redirect_uri must be an absolute URL'],
    ['a space', 'https://app.example/c b', 'redirect_uri must be an absolute URL'],
    ['backslashes', 'https:\\\\evil.example\\cb', 'redirect_uri must be an absolute URL'],
    ['no slashes after https:', 'https:app.example/cb', 'redirect_uri must be an absolute URL'],
    [
      'a fragment (RFC 6749 §3.1.2)',
      'https://app.example/cb#top',
      'redirect_uri must not contain a fragment',
    ],
    [
      'an empty fragment (RFC 6749 §3.1.2)',
      'https://app.example/cb#',
      'redirect_uri must not contain a fragment',
    ],
    [
      'a wildcard host (RFC 9700 §4.1.3)',
      'https://*.app.example/cb',
      'redirect_uri must not contain wildcards',
    ],
    ['a wildcard path (RFC 9700 §4.1.3)', 'https://app.example/*', 'redirect_uri must not contain wildcards'],
    ['userinfo', 'https://user:pass@app.example/cb', 'redirect_uri must not contain userinfo'],
    ['a userinfo disguise', 'https://app.example@evil.example/cb', 'redirect_uri must not contain userinfo'],
    [
      'http on a public host',
      'http://app.example/cb',
      'redirect_uri must use https unless its host is a loopback address',
    ],
    [
      'http on a look-alike loopback host',
      'http://127.0.0.1.evil.example/cb',
      'redirect_uri must use https unless its host is a loopback address',
    ],
    [
      'http on a localhost subdomain',
      'http://localhost.evil.example/cb',
      'redirect_uri must use https unless its host is a loopback address',
    ],
    [
      'a javascript: URI',
      'javascript:alert(1)',
      'redirect_uri must use https, http on a loopback host, or a reverse-domain private-use scheme',
    ],
    [
      'a data: URI',
      'data:text/html,hi',
      'redirect_uri must use https, http on a loopback host, or a reverse-domain private-use scheme',
    ],
    [
      'a private-use scheme without a dot (RFC 8252 §7.1)',
      'myapp:/cb',
      'redirect_uri must use https, http on a loopback host, or a reverse-domain private-use scheme',
    ],
    [
      'an ftp URL',
      'ftp://files.example/cb',
      'redirect_uri must use https, http on a loopback host, or a reverse-domain private-use scheme',
    ],
    [
      'more than 2000 characters',
      `https://app.example/${'a'.repeat(1981)}`,
      'redirect_uri must be at most 2000 characters',
    ],
  ])('rejects %s', (_, uri, message) => {
    expect(validateRegisteredRedirectUri(uri)).toBe(message);
  });

  it('accepts exactly 2000 characters', () => {
    expect(validateRegisteredRedirectUri(`https://app.example/${'a'.repeat(1980)}`)).toBeNull();
  });
});

describe('matchRedirectUri', () => {
  const REGISTERED = ['https://app.example/cb', 'https://app.example/other'];

  it('returns a requested URI that is byte-for-byte registered (RFC 9700 §4.1.3)', () => {
    expect(matchRedirectUri('https://app.example/other', REGISTERED)).toBe('https://app.example/other');
  });

  it.each([
    ['omitted', undefined],
    ['empty, which counts as omitted (RFC 6749 §3.1)', ''],
  ])('uses the only registered URI when redirect_uri is %s (OAuth 2.1 §2.3.2)', (_, requested) => {
    expect(matchRedirectUri(requested, ['https://app.example/cb'])).toBe('https://app.example/cb');
  });

  it.each([
    ['two are registered', REGISTERED],
    ['none is registered', []],
  ])('refuses an omitted redirect_uri when %s (OAuth 2.1 §2.3.2)', (_, registered) => {
    expect(matchRedirectUri(undefined, registered)).toBeUndefined();
  });

  describe.each([
    ['a trailing slash', 'https://app.example/cb', 'https://app.example/cb/'],
    ['a missing trailing slash', 'https://app.example/', 'https://app.example'],
    ['host case', 'https://app.example/cb', 'https://App.example/cb'],
    ['scheme case', 'https://app.example/cb', 'HTTPS://app.example/cb'],
    ['a different path', 'https://app.example/cb', 'https://app.example/cb2'],
    ['path case', 'https://app.example/cb', 'https://app.example/CB'],
    ['percent-encoding', 'https://app.example/cb', 'https://app.example/%63b'],
    ['an added query', 'https://app.example/cb', 'https://app.example/cb?next=/admin'],
    ['a different query', 'https://app.example/cb?a=1', 'https://app.example/cb?a=2'],
    ['a port on a non-loopback host', 'https://app.example/cb', 'https://app.example:8443/cb'],
    ['the explicit default port', 'https://app.example/cb', 'https://app.example:443/cb'],
    ['a fragment', 'https://app.example/cb', 'https://app.example/cb#x'],
    ['a suffix host', 'https://app.example/cb', 'https://app.example.evil.example/cb'],
    [
      'a different port on localhost (not an IP literal)',
      'http://localhost:3000/cb',
      'http://localhost:4000/cb',
    ],
    ['a port on a port-less localhost', 'http://localhost/cb', 'http://localhost:4000/cb'],
    ['a different loopback path', 'http://127.0.0.1/cb', 'http://127.0.0.1:5000/other'],
    ['an added loopback query', 'http://127.0.0.1/cb', 'http://127.0.0.1:5000/cb?x=1'],
    ['a loopback fragment', 'http://127.0.0.1/cb', 'http://127.0.0.1:5000/cb#x'],
    ['another loopback address', 'http://127.0.0.1/cb', 'http://[::1]:5000/cb'],
    ['another loopback address, IPv6 registered', 'http://[::1]/cb', 'http://127.0.0.1:5000/cb'],
    ['https on a loopback registered as http', 'http://127.0.0.1/cb', 'https://127.0.0.1:5000/cb'],
    ['a loopback look-alike host', 'http://127.0.0.1/cb', 'http://127.0.0.1.evil.example:5000/cb'],
    ['loopback userinfo', 'http://127.0.0.1/cb', 'http://127.0.0.1:5000@evil.example/cb'],
    ['a port out of range', 'http://127.0.0.1/cb', 'http://127.0.0.1:99999/cb'],
  ])('with %s', (_, registered, requested) => {
    it('does not match: an HTML error page, never a redirect (RFC 9700 §4.1.3)', () => {
      expect(matchRedirectUri(requested, [registered])).toBeUndefined();
    });
  });

  it.each([
    ['127.0.0.1 registered without a port', 'http://127.0.0.1/cb', 'http://127.0.0.1:51234/cb'],
    ['127.0.0.1 registered with another port', 'http://127.0.0.1:8080/cb', 'http://127.0.0.1:9090/cb'],
    ['127.0.0.1 requested without a port', 'http://127.0.0.1:8080/cb', 'http://127.0.0.1/cb'],
    ['[::1] registered without a port', 'http://[::1]/cb', 'http://[::1]:51234/cb'],
    ['[::1] registered with another port', 'http://[::1]:8080/cb', 'http://[::1]:9090/cb'],
    ['an identical query', 'http://127.0.0.1/cb?a=1', 'http://127.0.0.1:5000/cb?a=1'],
    ['no path', 'http://127.0.0.1', 'http://127.0.0.1:5000'],
  ])('lets any port match for %s (RFC 8252 §7.3)', (_, registered, requested) => {
    expect(matchRedirectUri(requested, ['https://app.example/cb', registered])).toBe(requested);
  });
});

describe('isLoopbackRedirectUri (RFC 8252 §7.3)', () => {
  it.each([
    ['http://127.0.0.1:3000/cb', true],
    ['http://[::1]/cb', true],
    ['http://localhost:8080/cb', true],
    ['https://127.0.0.1/cb', true],
    ['http://127.0.0.1.evil.example/cb', false],
    ['https://app.example/cb', false],
    ['com.example.app:/cb', false],
  ])('%s → %s', (uri, loopback) => {
    expect(isLoopbackRedirectUri(uri)).toBe(loopback);
  });
});
