import { hashToken, newId, newPersonalAccessToken, patDisplayPrefix } from '@hal/core';
import type { AccountUser, PersonalAccessToken, Stores } from '@hal/db';
import { CredentialCache } from './credential-cache';
import { notFound } from './errors';

/** The listing shape of a PAT: never the raw token. */
export const patView = (t: PersonalAccessToken) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  scopes: t.scopes,
  expires_at: t.expiresAt?.toISOString() ?? null,
  last_used_at: t.lastUsedAt?.toISOString() ?? null,
  created_at: t.createdAt.toISOString(),
});

/** Personal access tokens for scripts: shown once, stored as a SHA-256 hash. */
export function personalTokenService(stores: Stores) {
  const { accounts, audit } = stores;
  // Live tokens verified a moment ago in this process (see CredentialCache).
  const verified = new CredentialCache<{ pat: PersonalAccessToken; user: AccountUser }>(stores.feed);
  return {
    async create(userId: string, input: { name: string; scopes: string[]; expiresAt?: Date }) {
      const token = newPersonalAccessToken();
      const row = await accounts.createPat({
        id: newId(),
        userId,
        name: input.name,
        tokenHash: hashToken(token),
        prefix: patDisplayPrefix(token),
        scopes: input.scopes,
        expiresAt: input.expiresAt ?? null,
      });
      await audit.write({ type: 'pat.created', userId, data: { pat_id: row.id, scopes: input.scopes } });
      return { ...patView(row), token };
    },

    async list(userId: string) {
      return (await accounts.listPats(userId)).map(patView);
    },

    async revoke(userId: string, id: string) {
      if (!(await accounts.revokePat(userId, id))) throw notFound('token');
      await audit.write({ type: 'pat.revoked', userId, data: { pat_id: id } });
    },

    /** Resolves a raw PAT to its live record and owner; undefined when unknown, revoked or expired. */
    async authenticate(token: string): Promise<{ pat: PersonalAccessToken; user: AccountUser } | undefined> {
      const found = await verified.get(token, async () => {
        const row = await accounts.patByHash(hashToken(token));
        return row && !row.pat.revokedAt ? row : undefined;
      });
      const now = Date.now();
      // Checked on every use, kept or not: a token must not outlive its expires_at.
      if (!found || (found.pat.expiresAt && found.pat.expiresAt.getTime() <= now)) return undefined;
      // last_used_at is kept to the minute: no write at all on most requests of a busy script.
      if (!found.pat.lastUsedAt || now - found.pat.lastUsedAt.getTime() > 60_000) {
        // On the kept copy too, at once: the requests arriving meanwhile do not write it again.
        found.pat.lastUsedAt = new Date(now);
        await accounts.touchPat(found.pat.id);
      }
      return found;
    },
  };
}

export type PersonalTokenService = ReturnType<typeof personalTokenService>;
