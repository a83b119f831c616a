import type { GrantRecord, NewRefreshToken, RefreshRecord, Rotation, RotationBounds } from '@hal/core';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../database';
import { resolveInDoubt } from '../../in-doubt';
import { executePrepared } from '../../prepared';
import { grants, refreshTokens } from '../../schema';
import { refreshColumns } from './tokens';

type RotatedRow = {
  id: string;
  grant_id: string;
  code_hash: string | null;
  scopes: string[];
  resources: string[];
  expires_at: string | Date;
  rotated_at: string | Date;
  user_id: string;
  project_id: string | null;
  grant_scopes: string[];
  authorization_details: GrantRecord['authorizationDetails'];
  grant_revoked_at: string | Date | null;
};

/** Rows of a raw `execute`: postgres-js returns them as the result, PGlite under `.rows`. */
const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

/**
 * Rotates a live refresh token of `appId` into `successor`, recording `access` (the new access
 * token's row) with it; tells a reuse from an invalid token.
 */
export async function rotateRefreshToken(
  db: Db,
  tokenHash: string,
  appId: string,
  successor: NewRefreshToken,
  access: { jti: string; expiresAt: Date },
  bounds: RotationBounds,
): Promise<Rotation> {
  // Lists as one space-separated parameter each (neither scopes nor URIs hold a space): the
  // statement's text, hence its prepared plan, stays the same whatever their lengths.
  const scopes = bounds.scopes.join(' ');
  const within = sql`
           and scopes @> string_to_array(${scopes}::text, ' ')
           and (case when cardinality(resources) = 0 then array[${bounds.fallback}::text] else resources end)
               @> string_to_array(${bounds.resources.join(' ')}::text, ' ')
           and (${bounds.definedScopes?.join(' ') ?? null}::text is null
                or cardinality(scopes) = 0
                or (case when ${scopes}::text = '' then scopes else string_to_array(${scopes}::text, ' ') end)
                   && string_to_array(${bounds.definedScopes?.join(' ') ?? null}::text, ' '))`;
  // RFC 9700 §4.14.2: rotation is one conditional UPDATE; of two concurrent uses exactly one
  // wins. The successor's INSERT, the new access token's row and the grant's last use ride in the
  // same statement (one round trip, atomic without an explicit transaction): once it commits there
  // is nothing left to write, so no later failure can answer 503 for a rotation that happened.
  // The grant is read FOR SHARE: a revocation racing this rotation either waits for its commit (and
  // then revokes the successor too) or has committed, and is read here. Its `last_used_at` is kept
  // to the minute, so most rotations write no new version of the grant's row.
  const rotate = sql`
      with old as (
        update refresh_tokens
           set rotated_at = now(), replaced_by_id = ${successor.id}, successor_sealed = ${successor.sealed}
         where token_hash = ${tokenHash} and app_id = ${appId}
           and rotated_at is null and revoked_at is null and expires_at > now() ${within}
        returning id, grant_id, code_hash, scopes, resources, expires_at, rotated_at
      ), used as (
        select g.id, g.user_id, g.project_id, g.scopes, g.authorization_details, g.revoked_at, g.last_used_at
          from grants g where g.id = (select grant_id from old)
           for share
      ), successor as (
        insert into refresh_tokens (id, token_hash, grant_id, app_id, code_hash, scopes, resources, expires_at)
        select ${successor.id}, ${successor.tokenHash}, grant_id, ${appId}, code_hash, scopes, resources, ${successor.expiresAt.toISOString()}::timestamptz
          from old
        returning id
      ), touched as (
        update grants set last_used_at = now() from used
         where grants.id = used.id and (used.last_used_at is null or used.last_used_at < now() - interval '1 minute')
      ), access as (
        insert into access_tokens (jti, grant_id, app_id, user_id, code_hash, expires_at)
        select ${access.jti}, old.grant_id, ${appId}, used.user_id, old.code_hash, ${access.expiresAt.toISOString()}::timestamptz
          from old join used on used.id = old.grant_id
      )
      select old.id, old.grant_id, old.code_hash, old.scopes, old.resources, old.expires_at, old.rotated_at,
             used.user_id, used.project_id, used.scopes as grant_scopes,
             used.authorization_details, used.revoked_at as grant_revoked_at
        from old join used on used.id = old.grant_id`;
  // Did a rotation whose answer was lost with its connection commit? Only it names this successor.
  const committed = sql`
      select old.id, old.grant_id, old.code_hash, old.scopes, old.resources, old.expires_at, old.rotated_at,
             g.user_id, g.project_id, g.scopes as grant_scopes,
             g.authorization_details, g.revoked_at as grant_revoked_at
        from refresh_tokens old join grants g on g.id = old.grant_id
       where old.token_hash = ${tokenHash} and old.app_id = ${appId} and old.replaced_by_id = ${successor.id}`;
  const won = await executePrepared(db, 'rotate_refresh_token', rotate).then(
    (result) => rowsOf<RotatedRow>(result)[0],
    (error) => resolveInDoubt(error, async () => rowsOf<RotatedRow>(await db.execute(committed))[0]),
  );
  if (won) {
    const token: RefreshRecord = {
      id: won.id,
      grantId: won.grant_id,
      appId,
      codeHash: won.code_hash,
      scopes: won.scopes,
      resources: won.resources,
      expiresAt: new Date(won.expires_at),
      rotatedAt: new Date(won.rotated_at),
      revokedAt: null,
      replacedById: successor.id,
      successorSealed: successor.sealed,
    };
    const grant: GrantRecord = {
      id: won.grant_id,
      userId: won.user_id,
      appId,
      projectId: won.project_id,
      scopes: won.grant_scopes,
      authorizationDetails: won.authorization_details,
      revokedAt: won.grant_revoked_at ? new Date(won.grant_revoked_at) : null,
    };
    return { status: 'rotated', token, grant };
  }
  // Not rotated: unknown, another client's, expired, revoked, already rotated (reuse), or live but
  // asked for more than it holds (bounds).
  const [seen] = await db
    .select(refreshColumns)
    .from(refreshTokens)
    .where(and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.appId, appId)));
  if (!seen || seen.revokedAt || seen.expiresAt <= new Date()) return { status: 'invalid' };
  const [grant] = await db.select().from(grants).where(eq(grants.id, seen.grantId));
  if (!seen.rotatedAt)
    return { status: 'refused', token: seen as RefreshRecord, grant: grant as GrantRecord };
  const [next] = seen.replacedById
    ? await db.select(refreshColumns).from(refreshTokens).where(eq(refreshTokens.id, seen.replacedById))
    : [];
  const successorLive = Boolean(next && !next.rotatedAt && !next.revokedAt);
  return { status: 'reused', token: seen as RefreshRecord, grant: grant as GrantRecord, successorLive };
}
