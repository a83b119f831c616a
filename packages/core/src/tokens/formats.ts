import { randomFillSync } from 'node:crypto';
import { ulid as makeUlid } from 'ulid';
import { randomBase62 } from '../crypto';

// ulid draws one cryptographic random value per character; drawing them from a pooled buffer
// (still crypto.randomFillSync) keeps ids as random and removes a syscall per character.
const pool = Buffer.alloc(4096);
let offset = pool.length;
const pooledRandom = () => {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return (pool[offset++] as number) / 256; // ulid takes floor(x * 32): exactly the top 5 bits
};
const ulid = () => makeUlid(undefined, pooledRandom);

/** Prefixes of every HAL identifier and secret (contract: "Identifiers and secrets"). */
export const PREFIX = {
  user: 'usr_',
  project: 'proj_',
  client: 'hal_app_',
  clientSecret: 'hal_cs_',
  pat: 'hal_pat_',
  refreshToken: 'hal_rt_',
  widgetApp: 'hal_wa_',
  widgetSecret: 'hal_ws_',
  session: 'hal_ses_',
  resourceServer: 'hal_rs_',
  resourceSecret: 'hal_rss_',
} as const;

// 43 base62 characters carry 43 × log2(62) ≈ 256 bits.
const SECRET_CHARS = 43;

export const newUserId = () => `${PREFIX.user}${ulid()}`;
export const newProjectId = () => `${PREFIX.project}${ulid()}`;
export const newClientId = () => `${PREFIX.client}${ulid()}`;
export const newId = () => ulid();
export const newResourceServerId = () => `${PREFIX.resourceServer}${ulid()}`;

export const newClientSecret = () => `${PREFIX.clientSecret}${randomBase62(SECRET_CHARS)}`;
export const newResourceSecret = () => `${PREFIX.resourceSecret}${randomBase62(SECRET_CHARS)}`;
export const newPersonalAccessToken = () => `${PREFIX.pat}${randomBase62(SECRET_CHARS)}`;
export const newRefreshToken = () => `${PREFIX.refreshToken}${randomBase62(SECRET_CHARS)}`;
export const newSessionToken = () => `${PREFIX.session}${randomBase62(SECRET_CHARS)}`;
export const newAuthorizationCode = () => randomBase62(SECRET_CHARS);
export const newWidgetAppId = () => `${PREFIX.widgetApp}${randomBase62(16)}`;
export const newWidgetSecret = () => `${PREFIX.widgetSecret}${randomBase62(SECRET_CHARS)}`;

/** The non-secret part of a PAT shown in listings: its prefix and first four random characters. */
export const patDisplayPrefix = (token: string) => token.slice(0, PREFIX.pat.length + 4);
