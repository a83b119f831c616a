import { describe, expect, it } from 'vitest';
import { InvalidScope, type OAuthError } from '../errors';
import { halResources } from '../resources';
import { foreignScopes, resourceIdentifierProblem } from './resource';
import { checkRequestedScopes } from './scope';

const { api } = halResources('https://hal.example');
const notes = {
  identifier: 'https://notes.example/api',
  name: 'Notes',
  scopes: ['notes:read', 'projects:read'],
  owner: 'Ada',
};

describe('resourceIdentifierProblem (contract "Registered resource servers")', () => {
  it.each([
    'https://notes.example/api',
    'https://notes.example',
    'http://127.0.0.1:8080/mcp',
    'http://[::1]/mcp',
    'http://localhost:3000',
  ])('accepts %s', (value) => expect(resourceIdentifierProblem(value)).toBeUndefined());

  it.each([
    ['http://notes.example/api', 'must be an https URL (http only on loopback)'],
    ['ftp://notes.example/api', 'must be an https URL (http only on loopback)'],
    ['https://notes.example/api#x', 'must be an absolute URL without a fragment, in canonical form'],
    ['HTTPS://Notes.example/api', 'must be an absolute URL without a fragment, in canonical form'],
    ['/api', 'must be an absolute URL without a fragment, in canonical form'],
  ])('refuses %s', (value, problem) => expect(resourceIdentifierProblem(value)).toBe(problem));
});

describe('client allowed scopes and registered resources', () => {
  it("exempts only scopes a registered resource alone defines from the client's ceiling", () => {
    expect([...foreignScopes([notes])]).toEqual(['notes:read', 'projects:read']);
    // With HAL's own resource requested too, HAL's scopes stay under the client's ceiling.
    expect([...foreignScopes([api, notes])]).toEqual(['notes:read']);
    expect([...foreignScopes([api])]).toEqual([]);
  });

  it('checks the rest against the catalogue and the allowed scopes (invalid_scope)', () => {
    expect(() => checkRequestedScopes(['notes:read'], ['profile'], new Set(['notes:read']))).not.toThrow();
    let error: OAuthError | undefined;
    try {
      checkRequestedScopes(['notes:read', 'apps:write'], ['profile'], new Set(['notes:read']));
    } catch (e) {
      error = e as OAuthError;
    }
    expect(error).toBeInstanceOf(InvalidScope);
    expect(error?.error_description).toBe('scope not allowed for this client: apps:write');
  });
});
