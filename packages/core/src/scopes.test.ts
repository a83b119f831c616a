import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import * as core from './index';
import { OAUTH_SCOPES, PAT_SCOPES, SCOPE_DESCRIPTIONS } from './scopes';

describe('the scope catalogue entry point (@hal/core/scopes)', () => {
  it('is published as @hal/core/scopes and imports nothing, so a browser bundle can take it', () => {
    expect(pkg.exports['./scopes']).toBe('./src/scopes.ts');
    const source = readFileSync(new URL('./scopes.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/^\s*import\b|\brequire\(|\bimport\(/m);
  });

  it('is the same catalogue the main entry exports, with a description for every scope', () => {
    expect(core.PAT_SCOPES).toBe(PAT_SCOPES);
    expect(OAUTH_SCOPES).not.toContain('tokens:write');
    expect(PAT_SCOPES).toEqual([...OAUTH_SCOPES, 'tokens:write']);
    expect(Object.keys(SCOPE_DESCRIPTIONS).sort()).toEqual([...PAT_SCOPES].sort());
  });
});
