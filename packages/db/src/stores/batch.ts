import { detached } from '../scope';

/**
 * Group commit: calls made while a write is in flight are queued and written together in one
 * statement. Each caller's promise settles only once its own row is written, so nothing is
 * acknowledged before it is stored; under load, N requests cost one round trip instead of N.
 */
export function batched<T>(write: (items: T[]) => Promise<void>, maxBatch = 500) {
  let queue: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let flushing = false;

  async function flush() {
    flushing = true;
    while (queue.length) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        await write(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        // One bad row must not fail its neighbours: write them one by one.
        else await Promise.all(batch.map((b) => write([b.item]).then(b.resolve, b.reject)));
      }
    }
    flushing = false;
  }

  return (item: T): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // The batch carries other requests' rows: it must not be cancelled with the request that
      // happened to start it (src/scope.ts).
      if (!flushing) detached(() => void flush());
    });
}
