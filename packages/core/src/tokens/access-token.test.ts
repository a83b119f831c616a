import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_TYP, accessTokenClaims } from './access-token';

const BASE = {
  issuer: 'https://hal.example',
  audience: 'https://hal.example/api/v1',
  userId: 'usr_01J9Z8Q4V7K3M2N5P6R8S0T1W2',
  clientId: 'hal_app_01J9Z8Q4V7K3M2N5P6R8S0T1W2',
  scopes: ['profile', 'projects:read'],
  jti: '01J9Z8Q4V7K3M2N5P6R8S0T1W2',
};

describe('accessTokenClaims', () => {
  it('carries the RFC 9068 §2.2 claims, with scope as a space-separated string, and nothing else', () => {
    expect(accessTokenClaims(BASE)).toStrictEqual({
      iss: 'https://hal.example',
      sub: 'usr_01J9Z8Q4V7K3M2N5P6R8S0T1W2',
      aud: 'https://hal.example/api/v1',
      client_id: 'hal_app_01J9Z8Q4V7K3M2N5P6R8S0T1W2',
      scope: 'profile projects:read',
      jti: '01J9Z8Q4V7K3M2N5P6R8S0T1W2',
    });
  });

  it('leaves exp and iat to the signer', () => {
    const claims = accessTokenClaims(BASE);
    expect(claims).not.toHaveProperty('exp');
    expect(claims).not.toHaveProperty('iat');
  });

  it('uses the client_id as sub for client_credentials (RFC 9068 §2.2)', () => {
    expect(accessTokenClaims({ ...BASE, userId: BASE.clientId })).toMatchObject({ sub: BASE.clientId });
  });

  it('adds project_id and authorization_details when the grant has them (RFC 9396 §9.1)', () => {
    const details = [
      { type: 'hal_project' as const, project_id: 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W2', actions: ['read'] },
    ];
    const claims = accessTokenClaims({
      ...BASE,
      projectId: 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W2',
      authorizationDetails: details,
    });
    expect(claims).toMatchObject({
      project_id: 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W2',
      authorization_details: details,
    });
    expect(claims.authorization_details?.[0]).not.toBe(details[0]);
  });

  it('keeps an audience list as a list', () => {
    expect(accessTokenClaims({ ...BASE, audience: ['a', 'b'] }).aud).toEqual(['a', 'b']);
  });
});

describe('ACCESS_TOKEN_TYP', () => {
  it('is at+jwt (RFC 9068 §2.1)', () => {
    expect(ACCESS_TOKEN_TYP).toBe('at+jwt');
  });
});
