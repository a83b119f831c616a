import { describe, expect, it } from 'vitest';
import { hasRole, PROJECT_POLICY } from './roles';

describe('project roles', () => {
  it.each([
    ['owner', 'owner', true],
    ['owner', 'member', true],
    ['admin', 'admin', true],
    ['admin', 'owner', false],
    ['member', 'admin', false],
    ['member', 'member', true],
  ] as const)('%s satisfies %s: %s', (role, needed, expected) => {
    expect(hasRole(role, needed)).toBe(expected);
  });

  it('lets admins update and only owners delete (contract)', () => {
    expect(hasRole('admin', PROJECT_POLICY.update)).toBe(true);
    expect(hasRole('admin', PROJECT_POLICY.delete)).toBe(false);
    expect(hasRole('member', PROJECT_POLICY.update)).toBe(false);
  });
});
