import { errorCodes } from '../error-codes';
import { currentScope, detached, RequestScope } from '../scope';

type Entry<T, R> = {
  item: T;
  resolve: (result: R) => void;
  reject: (e: unknown) => void;
  scope?: RequestScope;
  /** The batch it was sent in, while that batch is in flight (cancellable batches only). */
  sentIn?: RequestScope;
};

export interface BatchOptions {
  /** Items per statement at most. */
  maxBatch?: number;
  /**
   * Batches in flight at once (1: the largest batches, the fewest writes to PostgreSQL's socket,
   * which a CPU profile of the token endpoint shows among its dearest steps; more trade batch size
   * for latency when PostgreSQL's round trip, not the CPU, is the bound).
   */
  maxInFlight?: number;
  /**
   * With `maxInFlight` above 1: another batch goes out beside those in flight only once the last
   * one sent has been in flight this long. Batches that come back quickly stay one at a time (the
   * largest, the cheapest); a slow one (PostgreSQL's core contended, a lock waited for) does not
   * hold up the rows queued behind it for longer than this.
   */
  nextAfterMs?: number;
  /**
   * For a write that must not commit once its request has answered 503 (a rotation). When a
   * request gives up while its batch is in flight, the batch is cancelled and the other items go
   * into the next one; and a failed batch is not written again item by item (it may have
   * committed): each item gets the batch's error and settles that doubt itself.
   */
  cancellable?: boolean;
}

/** SQLSTATE query_canceled: the statement did not commit. */
const CANCELLED = '57014';

/**
 * Group commit: calls made while writes are in flight are queued and written together in one
 * statement. Each caller's promise settles only once its own row is written, with what `write`
 * returned for it (its result at the item's index), so nothing is acknowledged before it is
 * stored; under load, N requests cost one round trip instead of N.
 *
 * The batch is shared, so it runs outside every RequestScope; but a request's answer waits for
 * its row like for its own statements, and a row whose request was abandoned (deadline, client
 * gone) before it was sent is not written. A failed batch is written again item by item (one bad
 * row must not fail its neighbours), unless `cancellable`.
 */
export function batched<T, R = void>(
  // biome-ignore lint/suspicious/noConfusingVoidType: writes with no result per item return nothing
  write: (items: T[]) => Promise<R[] | void>,
  { maxBatch = 500, maxInFlight = 1, nextAfterMs = 0, cancellable = false }: BatchOptions = {},
) {
  let queue: Entry<T, R>[] = [];
  let flushing = 0;
  // The batches in flight, with when each was sent.
  const inFlight = new Set<{ at: number }>();
  const slowInFlight = () => {
    const now = performance.now();
    for (const sent of inFlight) if (now - sent.at >= nextAfterMs) return true;
    return false;
  };
  // Rows queued behind a batch in flight: another goes out if it turns slow before it returns.
  let watching: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    if (watching || !nextAfterMs || flushing >= maxInFlight) return;
    let oldest = Number.POSITIVE_INFINITY;
    for (const sent of inFlight) oldest = Math.min(oldest, sent.at);
    if (oldest === Number.POSITIVE_INFINITY) return; // none in flight: a running flush takes the row
    const wait = Math.max(0, oldest + nextAfterMs - performance.now());
    watching = setTimeout(() => {
      watching = undefined;
      if (!queue.length || flushing >= maxInFlight) return;
      // A timer may fire a millisecond before its delay by performance.now(): then it waits again.
      if (slowInFlight()) detached(() => void flush());
      else watch();
    }, wait);
    watching.unref?.();
  };
  const live = (entry: Entry<T, R>) => {
    const abandoned = entry.scope?.abandoned;
    if (abandoned) entry.reject(abandoned);
    return !abandoned;
  };
  // biome-ignore lint/suspicious/noConfusingVoidType: what `write` returned
  const settle = (batch: Entry<T, R>[], results: R[] | void) => {
    for (const [i, b] of batch.entries()) b.resolve(results?.[i] as R);
  };

  async function flush() {
    flushing++;
    while (queue.length) {
      // A batch beside another only while that one is slow: once none is, this one stops.
      if (flushing > 1 && nextAfterMs && !slowInFlight()) break;
      const taken = queue.slice(0, maxBatch);
      queue = queue.slice(taken.length);
      const batch = taken.filter(live);
      if (!batch.length) continue;
      const sent = { at: performance.now() };
      inFlight.add(sent);
      try {
        await (cancellable ? sendCancellable(batch) : send(batch));
      } finally {
        inFlight.delete(sent);
      }
    }
    flushing--;
  }

  async function send(batch: Entry<T, R>[]) {
    try {
      settle(batch, await write(batch.map((b) => b.item)));
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      else
        await Promise.all(
          batch.filter(live).map((b) => write([b.item]).then((results) => settle([b], results), b.reject)),
        );
    }
  }

  async function sendCancellable(batch: Entry<T, R>[]) {
    const sentIn = new RequestScope();
    for (const b of batch) b.sentIn = sentIn;
    try {
      settle(batch, await sentIn.sending(() => write(batch.map((b) => b.item))));
    } catch (error) {
      if (sentIn.abandoned && errorCodes(error).includes(CANCELLED)) {
        // Cancelled for a request that gave up, so nothing committed: the others go again.
        queue = [...batch.filter(live), ...queue];
      } else for (const b of batch) b.reject(error);
    } finally {
      for (const b of batch) b.sentIn = undefined;
    }
  }

  // A request gave up on its item: out of the queue at once, or its batch cancelled.
  const cancel = (entry: Entry<T, R>) => {
    if (entry.sentIn) return entry.sentIn.abandon(entry.scope?.abandoned?.reason ?? 'deadline');
    const at = queue.indexOf(entry);
    if (at >= 0) {
      queue.splice(at, 1);
      live(entry);
    }
  };

  // `explicit`: the caller's scope when it runs outside the ambient one.
  return (item: T, explicit?: RequestScope): Promise<R> => {
    const scope = explicit ?? currentScope();
    scope?.check();
    let entry: Entry<T, R> | undefined;
    const written = new Promise<R>((resolve, reject) => {
      entry = { item, resolve, reject, scope };
      queue.push(entry);
      if (flushing === 0 || (flushing < maxInFlight && (!nextAfterMs || slowInFlight())))
        detached(() => void flush());
      else watch();
    });
    const queued = entry as Entry<T, R>;
    scope?.track({ settled: written, cancel: cancellable ? () => cancel(queued) : undefined });
    return written;
  };
}
