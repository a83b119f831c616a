import { currentScope, detached, type RequestScope } from '../scope';

type Entry<T> = { item: T; resolve: () => void; reject: (e: unknown) => void; scope?: RequestScope };

/**
 * Group commit: calls made while writes are in flight are queued and written together in one
 * statement. Each caller's promise settles only once its own row is written, so nothing is
 * acknowledged before it is stored; under load, N requests cost one round trip instead of N.
 * Up to `maxInFlight` batches are in flight at once (1: the largest batches, the fewest writes to
 * PostgreSQL's socket, which a CPU profile of the token endpoint shows among its dearest steps;
 * more trade batch size for latency when PostgreSQL's round trip, not the CPU, is the bound).
 *
 * The batch is shared, so no request cancels it (it runs outside every RequestScope); but a
 * request's answer waits for its row like for its own statements, and a row whose request was
 * abandoned (deadline, client gone) before it was sent is not written.
 */
export function batched<T>(write: (items: T[]) => Promise<void>, maxBatch = 500, maxInFlight = 1) {
  let queue: Entry<T>[] = [];
  let flushing = 0;
  const live = (entry: Entry<T>) => {
    const abandoned = entry.scope?.abandoned;
    if (abandoned) entry.reject(abandoned);
    return !abandoned;
  };

  async function flush() {
    flushing++;
    while (queue.length) {
      const taken = queue.slice(0, maxBatch);
      queue = queue.slice(taken.length);
      const batch = taken.filter(live);
      if (!batch.length) continue;
      try {
        await write(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        // One bad row must not fail its neighbours: write them one by one.
        else await Promise.all(batch.filter(live).map((b) => write([b.item]).then(b.resolve, b.reject)));
      }
    }
    flushing--;
  }

  // `explicit`: the caller's scope when it runs outside the ambient one.
  return (item: T, explicit?: RequestScope): Promise<void> => {
    const scope = explicit ?? currentScope();
    scope?.check();
    const written = new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject, scope });
      if (flushing < maxInFlight) detached(() => void flush());
    });
    scope?.track({ settled: written });
    return written;
  };
}
