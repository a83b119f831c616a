import type { ChannelListener } from '../database';

/** The channel the triggers of migration 0001 announce changes on, as they commit. */
export const CHANGES_CHANNEL = 'hal_changed';

/** What a change is about: the payload of a NOTIFY on {@link CHANGES_CHANNEL}. */
export type Topic = 'apps' | 'tokens' | 'projects';

/**
 * A per-process read cache for rows that are read on every request and change rarely. Every
 * process drops it when its topic changes anywhere (the triggers NOTIFY, {@link ChangeFeed}
 * listens), so all processes agree as soon as the NOTIFY arrives, and the TTL bounds staleness
 * should the listening connection fail silently. Only what is read while NOTIFYs are arriving is
 * kept, and only if no change arrived while it was read.
 */
export class ReadCache<K, V> {
  readonly #entries = new Map<K, { value: V; until: number }>();
  // Bumped by every change: a read that started before it may have seen the old row.
  #generation = 0;

  constructor(
    private readonly feed: { readonly live: boolean },
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value, or `read()`'s (kept when defined). */
  async get(key: K, read: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.#entries.get(key);
    if (hit) {
      if (Date.now() < hit.until) return hit.value;
      this.#entries.delete(key);
    }
    const generation = this.#generation;
    const value = await read();
    if (value !== undefined && generation === this.#generation && this.feed.live) {
      // Bounded: the oldest entry makes room (a Map iterates in insertion order).
      if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as K);
      this.#entries.set(key, { value, until: Date.now() + this.ttlMs });
    }
    return value;
  }

  clear() {
    this.#generation++;
    this.#entries.clear();
  }
}

/**
 * The process's end of the change announcements: hands out {@link ReadCache}s by topic and empties
 * them when a NOTIFY names their topic. Until it listens (and whenever its connection is down)
 * it is not `live`: caches keep nothing, so every read goes to the database.
 */
export class ChangeFeed {
  #live = false;
  readonly #caches = new Map<Topic, ReadCache<unknown, unknown>[]>();

  get live() {
    return this.#live;
  }

  cache<K, V>(topic: Topic, ttlMs: number): ReadCache<K, V> {
    const cache = new ReadCache<K, V>(this, ttlMs);
    this.#caches.set(topic, [...(this.#caches.get(topic) ?? []), cache as ReadCache<unknown, unknown>]);
    return cache;
  }

  /**
   * Drops the topic's caches in this process at once. Writers call it after their commit; the
   * triggers tell the other processes (and, a moment later, this one again).
   */
  changed(topic: Topic) {
    for (const cache of this.#caches.get(topic) ?? []) cache.clear();
  }

  /** For `database.listen(CHANGES_CHANNEL, feed.listener)`. */
  readonly listener: ChannelListener = {
    notify: (payload) => {
      if (this.#caches.has(payload as Topic)) this.changed(payload as Topic);
      else this.#clearAll(); // a topic this version does not know: be safe
    },
    listening: (on) => {
      this.#live = on;
      // NOTIFYs may have been missed while the connection was down.
      this.#clearAll();
    },
  };

  #clearAll() {
    for (const caches of this.#caches.values()) for (const cache of caches) cache.clear();
  }
}
