import { describe, expect, it } from 'vitest';
import { hashToken } from '../crypto';
import { InvalidClient, InvalidRequest, type OAuthError } from '../errors';
import { parseClientCredentials, verifyClientSecret } from './client-auth';

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('expected an error');
};

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');
// RFC 6749 §2.3.1: each part is application/x-www-form-urlencoded before base64
const form = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
const basic = (id: string, secret: string) => `Basic ${b64(`${form(id)}:${form(secret)}`)}`;

const CLIENT = 'hal_app_01J9Z8Q4V7K3M2N5P6R8S0T1W2';
const SECRET = 'hal_cs_3xAmpLeS3cr3t';

describe('parseClientCredentials', () => {
  it('reads client_secret_basic (RFC 6749 §2.3.1)', () => {
    expect(parseClientCredentials({ authorization: basic(CLIENT, SECRET), body: {} })).toEqual({
      method: 'client_secret_basic',
      clientId: CLIENT,
      clientSecret: SECRET,
    });
  });

  it.each([
    ['a percent-encoded colon', 'a%3Ab', 'a:b'],
    ['a plus sign, which is a space', 'a+b', 'a b'],
    ['a percent-encoded plus sign', 'a%2Bb', 'a+b'],
    ['a percent-encoded percent sign', '100%25', '100%'],
  ])('form-urlencoding-decodes Basic credentials with %s (RFC 6749 §2.3.1)', (_, encoded, decoded) => {
    const authorization = `Basic ${b64(`${encoded}:${encoded}`)}`;
    expect(parseClientCredentials({ authorization, body: {} })).toMatchObject({
      clientId: decoded,
      clientSecret: decoded,
    });
  });

  it('round-trips a secret full of reserved characters', () => {
    const secret = 'p@ss:w+rd/%&= ~';
    expect(parseClientCredentials({ authorization: basic(CLIENT, secret), body: {} })).toMatchObject({
      clientSecret: secret,
    });
  });

  it.each(['basic', 'BASIC'])('accepts the scheme name in any case: %s (RFC 9110 §11.1)', (scheme) => {
    const authorization = `${scheme} ${b64(`${CLIENT}:${SECRET}`)}`;
    expect(parseClientCredentials({ authorization, body: {} })).toMatchObject({
      method: 'client_secret_basic',
    });
  });

  it('accepts a body client_id equal to the Basic one', () => {
    const creds = parseClientCredentials({
      authorization: basic(CLIENT, SECRET),
      body: { client_id: CLIENT },
    });
    expect(creds).toMatchObject({ method: 'client_secret_basic', clientId: CLIENT });
  });

  it('reads client_secret_post (RFC 6749 §2.3.1)', () => {
    expect(parseClientCredentials({ body: { client_id: CLIENT, client_secret: SECRET } })).toEqual({
      method: 'client_secret_post',
      clientId: CLIENT,
      clientSecret: SECRET,
    });
  });

  it.each([
    ['no client_secret', { client_id: CLIENT }],
    ['an empty client_secret', { client_id: CLIENT, client_secret: '' }],
  ])('reads a public client with %s as method none (OAuth 2.1 §2.4)', (_, body) => {
    expect(parseClientCredentials({ authorization: null, body })).toEqual({
      method: 'none',
      clientId: CLIENT,
    });
  });

  it('rejects Basic together with a body client_secret with invalid_request (RFC 6749 §2.3)', () => {
    const err = thrown(() =>
      parseClientCredentials({
        authorization: basic(CLIENT, SECRET),
        body: { client_id: CLIENT, client_secret: SECRET },
      }),
    );
    expect(err).toBeInstanceOf(InvalidRequest);
    expect(err).toMatchObject({
      error: 'invalid_request',
      error_description: 'client authentication must use only one method',
      status: 400,
    });
  });

  it('rejects a body client_id differing from the Basic one with invalid_request', () => {
    const err = thrown(() =>
      parseClientCredentials({ authorization: basic(CLIENT, SECRET), body: { client_id: 'hal_app_OTHER' } }),
    );
    expect(err).toBeInstanceOf(InvalidRequest);
    expect(err).toMatchObject({
      error: 'invalid_request',
      error_description: 'client_id does not match the client authentication',
    });
  });

  it.each([
    ['no credentials at all', undefined, {}],
    ['an empty Authorization header', '', {}],
    ['a client_secret without client_id', null, { client_secret: SECRET }],
    ['an empty client_id', null, { client_id: '' }],
  ])('rejects %s with invalid_client and status 401 (RFC 6749 §5.2)', (_, authorization, body) => {
    const err = thrown(() => parseClientCredentials({ authorization, body }));
    expect(err).toBeInstanceOf(InvalidClient);
    expect(err).toMatchObject({
      error: 'invalid_client',
      error_description: 'client authentication failed',
      status: 401,
    });
  });

  it.each([
    ['Bearer', `Bearer ${SECRET}`],
    ['Digest', 'Digest username="a"'],
  ])('rejects the %s scheme with invalid_client (RFC 6749 §5.2)', (_, authorization) => {
    const err = thrown(() => parseClientCredentials({ authorization, body: {} }));
    expect(err).toBeInstanceOf(InvalidClient);
    expect(err).toMatchObject({
      error: 'invalid_client',
      error_description: 'client authentication method is not supported',
      status: 401,
    });
  });

  it.each([
    ['no credentials after the scheme', 'Basic'],
    ['characters outside base64', 'Basic !!!!'],
    ['unpadded base64', `Basic ${b64(`${CLIENT}:xy`).replace(/=+$/, '')}`],
    ['no colon', `Basic ${b64(CLIENT)}`],
    ['an empty client_id', `Basic ${b64(`:${SECRET}`)}`],
    ['a broken percent-encoding', `Basic ${b64(`${CLIENT}:%zz`)}`],
    ['invalid UTF-8', `Basic ${b64(new Uint8Array([0xff, 0x3a, 0x61]))}`],
    ['two tokens', `Basic ${b64(`${CLIENT}:${SECRET}`)} extra`],
    ['a NUL client_id and secret', `Basic ${b64('\u0000:\u0000')}`],
    ['a percent-encoded NUL in the client_id', `Basic ${b64(`${CLIENT}%00:${SECRET}`)}`],
    ['a NUL in the secret', `Basic ${b64(`${CLIENT}:${SECRET}\u0000`)}`],
  ])('rejects Basic credentials with %s with invalid_client (RFC 7617 §2)', (_, authorization) => {
    const err = thrown(() => parseClientCredentials({ authorization, body: {} }));
    expect(err).toBeInstanceOf(InvalidClient);
    expect(err).toMatchObject({
      error: 'invalid_client',
      error_description: 'basic client credentials are malformed',
      status: 401,
    });
  });
});

describe('verifyClientSecret', () => {
  const stored = hashToken(SECRET);

  it('accepts the secret whose hash is stored', () => {
    expect(verifyClientSecret(SECRET, stored)).toBe(true);
  });

  it.each([
    ['another secret', 'hal_cs_other'],
    ['a prefix of the secret', SECRET.slice(0, -1)],
    ['the empty string', ''],
    ['the stored hash itself', stored],
  ])('refuses %s', (_, presented) => {
    expect(verifyClientSecret(presented, stored)).toBe(false);
  });
});
