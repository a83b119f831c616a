import type { GrantRecord, NewRefreshToken, RefreshRecord, Rotation, RotationBounds } from '@hal/core';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../database';
import { outcomeUnknown, resolveInDoubt } from '../../in-doubt';
import { prepareStatement } from '../../prepared';
import { grants, refreshTokens } from '../../schema';
import { inScope, type RequestScope, StatementCancelled } from '../../scope';
import { batched } from '../batch';
import { refreshColumns, SECOND_BATCH_AFTER_MS } from './tokens';

type RotatedRow = {
  successor_id?: string;
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

// RFC 9700 §4.14.2: rotation is one conditional UPDATE; of two concurrent uses exactly one wins
// (two uses of one token in one batch update its row once: the other finds it rotated).
// The successor's INSERT, the new access token's row and the grant's last use ride in the same
// statement (one round trip, atomic without an explicit transaction): once it commits there is
// nothing left to write, so no later failure can answer 503 for a rotation that happened.
// The grant is locked FOR SHARE before the token is updated: a revocation racing this rotation
// either waits for its commit (and then revokes the successor too) or has committed, and is read
// here. Its `last_used_at` is kept to the minute, so most rotations write no new version of it.
// The rows travel as one JSON parameter, so the text never changes and is planned once per
// connection. The bounds' lists are space-separated (neither scopes nor URIs hold a space).
// `locking`: `skip locked` for a batch, which must not wait on one row while it holds the others.
const rotation = (locking: SQL) => sql`
    with input as (
      select * from json_to_recordset(${sql.placeholder('rows')}::json) as i(
        token_hash text, app_id text, successor_id text, sealed text, successor_hash text,
        successor_expires_at timestamptz, jti text, access_expires_at timestamptz,
        scopes text, resources text, fallback text, defined text)
    ), live as (
      -- One index probe per token, and per grant below. The plans these replaced filtered a scan
      -- of the table (the plan for the small table a cached plan was made on, kept as the table
      -- grew until the next ANALYZE): every rotation read every row, each marked by the locks of
      -- earlier rotations, and PostgreSQL's cost per rotation grew with the table.
      select t.id, t.grant_id, i.successor_id
        from input i cross join lateral (
          select t.id, t.grant_id from refresh_tokens t
           where t.token_hash = i.token_hash and t.app_id = i.app_id
             and t.rotated_at is null and t.revoked_at is null and t.expires_at > now()
             for update ${locking}) t
    ), used as (
      select g.*
        from (select distinct grant_id from live) l cross join lateral (
          select g.id, g.user_id, g.project_id, g.scopes, g.authorization_details, g.revoked_at, g.last_used_at
            from grants g where g.id = l.grant_id
             for share ${locking}) g
    ), old as (
      update refresh_tokens t
         set rotated_at = now(), replaced_by_id = i.successor_id, successor_sealed = i.sealed
        from live l join input i on i.successor_id = l.successor_id join used u on u.id = l.grant_id
       -- The ids as an array too: a probe of the primary key whatever the estimate of live.
       where t.id = any(array(select id from live)) and t.id = l.id
         and t.scopes @> string_to_array(i.scopes, ' ')
         and (case when cardinality(t.resources) = 0 then array[i.fallback] else t.resources end)
             @> string_to_array(i.resources, ' ')
         and (i.defined is null
              or cardinality(t.scopes) = 0
              or (case when i.scopes = '' then t.scopes else string_to_array(i.scopes, ' ') end)
                 && string_to_array(i.defined, ' '))
      returning t.id, t.grant_id, t.code_hash, t.scopes, t.resources, t.expires_at, t.rotated_at,
                i.app_id, i.successor_id, i.successor_hash, i.successor_expires_at, i.jti, i.access_expires_at
    ), successor as (
      insert into refresh_tokens (id, token_hash, grant_id, app_id, code_hash, scopes, resources, expires_at)
      select successor_id, successor_hash, grant_id, app_id, code_hash, scopes, resources, successor_expires_at
        from old
    ), touched as (
      update grants set last_used_at = now() from used
       where grants.id = used.id and used.id in (select grant_id from old)
         and (used.last_used_at is null or used.last_used_at < now() - interval '1 minute')
    ), access as (
      insert into access_tokens (jti, grant_id, app_id, user_id, code_hash, expires_at)
      select old.jti, old.grant_id, old.app_id, used.user_id, old.code_hash, old.access_expires_at
        from old join used on used.id = old.grant_id
    )
    select old.successor_id, old.id, old.grant_id, old.code_hash, old.scopes, old.resources, old.expires_at,
           old.rotated_at, used.user_id, used.project_id, used.scopes as grant_scopes,
           used.authorization_details, used.revoked_at as grant_revoked_at
      from old join used on used.id = old.grant_id`;

/** One rotation's row of the batch (snake case: the JSON record's columns). */
interface RotationInput {
  token_hash: string;
  app_id: string;
  successor_id: string;
  sealed: string | null;
  successor_hash: string;
  successor_expires_at: string;
  jti: string;
  access_expires_at: string;
  scopes: string;
  resources: string;
  fallback: string;
  defined: string | null;
}

/**
 * Rotates a live refresh token of `appId` into `successor`, recording `access` (the new access
 * token's row) with it, when the request stays within `bounds`; tells a reuse, a refusal and an
 * invalid token apart.
 */
export function refreshRotation(db: Db) {
  const batchStatement = prepareStatement(db, 'rotate_refresh_tokens', rotation(sql`skip locked`));
  const waitingStatement = prepareStatement(db, 'rotate_refresh_token', rotation(sql``));
  // Group commit: the rotations that arrive while a batch is in flight go in the next one: one
  // round trip, transaction and executor start-up for all of them (with a statement each, that
  // overhead was half of PostgreSQL's CPU per rotation).
  const batch = batched<RotationInput, RotatedRow | undefined>(
    async (inputs) => {
      const rows = rowsOf<RotatedRow>(await batchStatement({ rows: JSON.stringify(inputs) }));
      const won = new Map(rows.map((row) => [row.successor_id, row]));
      return inputs.map((input) => won.get(input.successor_id));
    },
    // A rotation must not commit for a request that answered 503 (its client, holding no
    // successor, would trip reuse detection on retry), and a failed batch may have committed.
    // One in flight while batches come back quickly (the largest, the cheapest: on a quiet machine
    // 385 µs of CPU per rotation against 460 with two always), a second beside a slow one (a
    // contended core); 64 at most keeps each batch short.
    { cancellable: true, maxBatch: 64, maxInFlight: 2, nextAfterMs: SECOND_BATCH_AFTER_MS },
  );
  // One rotation, waiting for its rows, bound to its request (cancelled with it).
  const alone = (input: RotationInput, scope: unknown) =>
    inScope(
      scope,
      async () => rowsOf<RotatedRow>(await waitingStatement({ rows: JSON.stringify([input]) }))[0],
    );

  return (
    tokenHash: string,
    appId: string,
    successor: NewRefreshToken,
    access: { jti: string; expiresAt: Date },
    bounds: RotationBounds,
    scope?: unknown,
  ) => {
    const input: RotationInput = {
      token_hash: tokenHash,
      app_id: appId,
      successor_id: successor.id,
      sealed: successor.sealed,
      successor_hash: successor.tokenHash,
      successor_expires_at: successor.expiresAt.toISOString(),
      jti: access.jti,
      access_expires_at: access.expiresAt.toISOString(),
      scopes: bounds.scopes.join(' '),
      resources: bounds.resources.join(' '),
      fallback: bounds.fallback,
      defined: bounds.definedScopes?.join(' ') ?? null,
    };
    return rotateRefreshToken(db, tokenHash, appId, successor, async () => {
      let won: RotatedRow | undefined;
      try {
        won = await batch(input, scope as RequestScope | undefined);
      } catch (error) {
        // Lost with its connection, the batch may have committed: the caller asks the database.
        // Any other failure (a deadlock, a statement timeout, a reference gone) committed nothing.
        if (outcomeUnknown(error) || error instanceof StatementCancelled) throw error;
      }
      // Not rotated by the batch: a token rotated, revoked, expired, unknown or asked for more than
      // it holds; or one whose row another transaction holds, which the batch skipped rather than
      // wait for it with the other rotations held up. Alone, the rotation waits for it.
      return won ?? alone(input, scope);
    });
  };
}

async function rotateRefreshToken(
  db: Db,
  tokenHash: string,
  appId: string,
  successor: NewRefreshToken,
  rotate: () => Promise<RotatedRow | undefined>,
): Promise<Rotation> {
  // Did a rotation whose answer was lost with its connection commit? Only it names this successor.
  const committed = () => sql`
      select old.id, old.grant_id, old.code_hash, old.scopes, old.resources, old.expires_at, old.rotated_at,
             g.user_id, g.project_id, g.scopes as grant_scopes,
             g.authorization_details, g.revoked_at as grant_revoked_at
        from refresh_tokens old join grants g on g.id = old.grant_id
       where old.token_hash = ${tokenHash} and old.app_id = ${appId} and old.replaced_by_id = ${successor.id}`;
  const won = await rotate().catch((error) =>
    resolveInDoubt(error, async () => rowsOf<RotatedRow>(await db.execute(committed()))[0]),
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
