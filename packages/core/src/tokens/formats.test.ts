import { decodeTime, isValid } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  newClientId,
  newClientSecret,
  newId,
  newPersonalAccessToken,
  newProjectId,
  newRefreshToken,
  newWidgetAppId,
} from './formats';

describe('identifier and secret formats (contract: "Identifiers and secrets")', () => {
  it('makes valid, time-ordered, distinct ULIDs from the pooled random source', () => {
    const ids = Array.from({ length: 5000 }, newId);
    expect(ids.every(isValid)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.abs(decodeTime(ids[0] as string) - Date.now())).toBeLessThan(5000);
    // Every base32 character of the random part is used: the pool is not stuck on a few values.
    expect(new Set(ids.map((id) => id.slice(10, 11))).size).toBeGreaterThan(28);
  });

  it.each([
    [newClientId, /^hal_app_[0-9A-HJKMNP-TV-Z]{26}$/],
    [newProjectId, /^proj_[0-9A-HJKMNP-TV-Z]{26}$/],
    [newClientSecret, /^hal_cs_[0-9A-Za-z]{43}$/],
    [newPersonalAccessToken, /^hal_pat_[0-9A-Za-z]{43}$/],
    [newRefreshToken, /^hal_rt_[0-9A-Za-z]{43}$/],
    [newWidgetAppId, /^hal_wa_[0-9A-Za-z]{16}$/],
  ])('%o matches %s', (make, format) => {
    expect(make()).toMatch(format);
  });
});
