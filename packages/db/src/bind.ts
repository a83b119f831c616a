import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { DatabaseActivity } from './activity';
import { currentScope, type RequestScope } from './scope';

/** What HAL relies on inside a postgres.js query (3.4.9: src/query.js, src/index.js `cancel`). */
interface DriverQuery extends Promise<unknown> {
  /** The backend it was handed to; null while it waits for a connection. */
  state: unknown;
  /** The pool's cancel; `Query.cancel()` calls it but drops its promise. */
  canceller: ((query: DriverQuery) => Promise<void>) | null;
}

/**
 * Cancels a postgres.js statement: a CancelRequest when it was sent, removal from the pool's queue
 * when it waits for a connection (it is then rejected with SQLSTATE 57014).
 */
export function cancelStatement(query: Promise<unknown>, inTransaction = false) {
  cancelQuery(query as DriverQuery, inTransaction);
}

function cancelQuery(query: DriverQuery, inTransaction: boolean) {
  // A transaction's statement that has not reached its connection waits in the transaction's own
  // queue, which postgres.js cannot cancel from (the transaction would hang). It never commits
  // anyway: the transaction checks its scope before COMMIT and rolls back.
  if (inTransaction && query.state == null) return;
  const cancel = query.canceller;
  if (!cancel) return;
  query.canceller = null;
  // A cancel connection that fails (PostgreSQL just went away) must not become an unhandled rejection.
  Promise.resolve(cancel(query)).catch(() => {});
}

/**
 * Runs a transaction whose statements are bound like any other, that COMMITs only while its
 * request still wants the answer (abandoned, the callback throws and postgres.js or PGlite rolls
 * back), and that counts as in flight, COMMIT included, until it settles.
 */
function boundTransaction<Tx>(
  begin: (...args: unknown[]) => Promise<unknown>,
  args: unknown[],
  bind: (tx: Tx) => Tx,
  /** Counts the transaction; not given for a savepoint, which holds no connection of its own. */
  activity?: DatabaseActivity,
) {
  const scope = currentScope();
  scope?.check();
  const callback = args.pop() as (tx: Tx) => unknown;
  const run = begin(...args, async (tx: Tx) => {
    const result = await callback(bind(tx));
    scope?.check(); // the last moment to give up: COMMIT follows
    return result;
  });
  scope?.track({ settled: run });
  return activity ? activity.transaction(run) : run;
}

/** Tracks a statement in the running request's scope, refusing it when the request was abandoned. */
function bound<Q extends Promise<unknown>>(send: () => Q, cancel?: (query: Q) => void): Q {
  const scope: RequestScope | undefined = currentScope();
  if (!scope) return send();
  scope.check();
  const query = send();
  scope.track({ settled: query, cancel: cancel && (() => cancel(query)) });
  return query;
}

const PREPARE_MAX_PARAMS = 32;

/**
 * The postgres.js client as drizzle should see it: every statement bound to the request that
 * issues it (see {@link RequestScope}), and prepared. drizzle sends everything through `unsafe`
 * and `begin` (`savepoint` inside a transaction).
 *
 * drizzle asks for a prepared statement only for a named `.prepare()`, so postgres.js would send
 * each statement unnamed: a Describe round trip first, then a fresh plan on every call. Prepared,
 * a connection parses and describes each distinct text once. HAL's texts are a bounded set, but for
 * group-committed batches, whose text grows with the batch: past a few rows they go unprepared, so
 * no connection keeps hundreds of one-off statements.
 */
export function bindPostgres<T extends Sql>(sql: T, activity: DatabaseActivity, inTransaction = false): T {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe')
        return (
          query: string,
          params?: Parameters<Sql['unsafe']>[1],
          options?: Parameters<Sql['unsafe']>[2],
        ) =>
          bound(
            () =>
              activity.statement(
                query,
                inTransaction,
                target.unsafe(query, params, {
                  ...options,
                  prepare: (params?.length ?? 0) <= PREPARE_MAX_PARAMS,
                }) as unknown as DriverQuery,
              ),
            (query) => cancelQuery(query, inTransaction),
          );
      if (property === 'begin' || property === 'savepoint') {
        const begin = Reflect.get(target, property) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) =>
          boundTransaction<Sql>(
            begin.bind(target),
            args,
            (tx) => bindPostgres(tx, activity, true),
            property === 'begin' ? activity : undefined,
          );
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/** PGlite, bound the same way (it cannot cancel a statement: the request waits for it instead). */
export function bindPglite<T extends Pick<PGlite, 'query'>>(
  client: T,
  activity: DatabaseActivity,
  inTransaction = false,
): T {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query')
        return (...args: Parameters<PGlite['query']>) =>
          bound(() => activity.statement(args[0], inTransaction, target.query(...args)));
      if (property === 'transaction' && 'transaction' in target) {
        const begin = (target.transaction as (...args: unknown[]) => Promise<unknown>).bind(target);
        return (...args: unknown[]) =>
          boundTransaction(
            begin,
            args,
            (tx: Pick<PGlite, 'query'>) => bindPglite(tx, activity, true),
            activity,
          );
      }
      const value = Reflect.get(target, property, target);
      // PGlite's methods use private fields: call them on the instance, not on the proxy.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
