/** What the snippet stub stores: `arguments` objects whose first item is the method name. */
export type QueuedCall = ArrayLike<unknown>;

/**
 * Replays calls made through the stub before this script loaded, in order. Each call goes through
 * `call`, which never throws, and identify promises are already marked handled.
 */
export function replay(queue: unknown, call: (name: unknown, args: unknown[]) => unknown): void {
  if (!Array.isArray(queue)) return;
  for (const entry of queue as QueuedCall[]) {
    const [name, ...args] = Array.from(entry);
    call(name, args);
  }
}
