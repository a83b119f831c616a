import type { GrantRecord, NewRefreshToken, RefreshRecord, Rotation, RotationBounds } from '@hal/core';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../database';
import { resolveInDoubt } from '../../in-doubt';
import { prepareStatement } from '../../prepared';
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

const p = (name: string) => sql.placeholder(name);

// RFC 9700 §4.14.2: rotation is one conditional UPDATE; of two concurrent uses exactly one wins.
// The successor's INSERT, the new access token's row and the grant's last use ride in the same
// statement (one round trip, atomic without an explicit transaction): once it commits there is
// nothing left to write, so no later failure can answer 503 for a rotation that happened.
// The grant is read FOR SHARE: a revocation racing this rotation either waits for its commit (and
// then revokes the successor too) or has committed, and is read here. Its `last_used_at` is kept
// to the minute, so most rotations write no new version of the grant's row.
// The bounds' lists are one space-separated parameter each (neither scopes nor URIs hold a space),
// so the text, built once with placeholders, and its prepared plan never change.
const ROTATE = sql`
    with old as (
      update refresh_tokens
         set rotated_at = now(), replaced_by_id = ${p('successorId')}, successor_sealed = ${p('sealed')}
       where token_hash = ${p('tokenHash')} and app_id = ${p('appId')}
         and rotated_at is null and revoked_at is null and expires_at > now()
         and scopes @> string_to_array(${p('scopes')}::text, ' ')
         and (case when cardinality(resources) = 0 then array[${p('fallback')}::text] else resources end)
             @> string_to_array(${p('resources')}::text, ' ')
         and (${p('defined')}::text is null
              or cardinality(scopes) = 0
              or (case when ${p('scopes')}::text = '' then scopes else string_to_array(${p('scopes')}::text, ' ') end)
                 && string_to_array(${p('defined')}::text, ' '))
      returning id, grant_id, code_hash, scopes, resources, expires_at, rotated_at
    ), used as (
      select g.id, g.user_id, g.project_id, g.scopes, g.authorization_details, g.revoked_at, g.last_used_at
        from grants g where g.id = (select grant_id from old)
         for share
    ), successor as (
      insert into refresh_tokens (id, token_hash, grant_id, app_id, code_hash, scopes, resources, expires_at)
      select ${p('successorId')}, ${p('successorHash')}, grant_id, ${p('appId')}, code_hash, scopes, resources, ${p('successorExpiresAt')}::timestamptz
        from old
      returning id
    ), touched as (
      update grants set last_used_at = now() from used
       where grants.id = used.id and (used.last_used_at is null or used.last_used_at < now() - interval '1 minute')
    ), access as (
      insert into access_tokens (jti, grant_id, app_id, user_id, code_hash, expires_at)
      select ${p('jti')}, old.grant_id, ${p('appId')}, used.user_id, old.code_hash, ${p('accessExpiresAt')}::timestamptz
        from old join used on used.id = old.grant_id
    )
    select old.id, old.grant_id, old.code_hash, old.scopes, old.resources, old.expires_at, old.rotated_at,
           used.user_id, used.project_id, used.scopes as grant_scopes,
           used.authorization_details, used.revoked_at as grant_revoked_at
      from old join used on used.id = old.grant_id`;

/**
 * Rotates a live refresh token of `appId` into `successor`, recording `access` (the new access
 * token's row) with it, when the request stays within `bounds`; tells a reuse, a refusal and an
 * invalid token apart.
 */
export function refreshRotation(db: Db) {
  const rotate = prepareStatement(db, 'rotate_refresh_token', ROTATE);
  return (
    tokenHash: string,
    appId: string,
    successor: NewRefreshToken,
    access: { jti: string; expiresAt: Date },
    bounds: RotationBounds,
  ) =>
    rotateRefreshToken(db, tokenHash, appId, successor, () =>
      rotate({
        tokenHash,
        appId,
        successorId: successor.id,
        sealed: successor.sealed,
        successorHash: successor.tokenHash,
        successorExpiresAt: successor.expiresAt.toISOString(),
        jti: access.jti,
        accessExpiresAt: access.expiresAt.toISOString(),
        scopes: bounds.scopes.join(' '),
        resources: bounds.resources.join(' '),
        fallback: bounds.fallback,
        defined: bounds.definedScopes?.join(' ') ?? null,
      }),
    );
}

async function rotateRefreshToken(
  db: Db,
  tokenHash: string,
  appId: string,
  successor: NewRefreshToken,
  rotate: () => Promise<unknown>,
): Promise<Rotation> {
  // Did a rotation whose answer was lost with its connection commit? Only it names this successor.
  const committed = () => sql`
      select old.id, old.grant_id, old.code_hash, old.scopes, old.resources, old.expires_at, old.rotated_at,
             g.user_id, g.project_id, g.scopes as grant_scopes,
             g.authorization_details, g.revoked_at as grant_revoked_at
        from refresh_tokens old join grants g on g.id = old.grant_id
       where old.token_hash = ${tokenHash} and old.app_id = ${appId} and old.replaced_by_id = ${successor.id}`;
  const won = await rotate().then(
    (result) => rowsOf<RotatedRow>(result)[0],
    (error) => resolveInDoubt(error, async () => rowsOf<RotatedRow>(await db.execute(committed()))[0]),
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
