import type { ChannelListener } from '../database';
import { ReadCache } from './read-cache';

/** The channel the triggers of migration 0001 announce changes on, as they commit. */
export const CHANGES_CHANNEL = 'hal_changed';

/** What a change is about: the payload of a NOTIFY on {@link CHANGES_CHANNEL}. */
export type Topic = 'apps' | 'tokens' | 'projects' | 'resources' | 'credentials';

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

  /** A cache dropped when `topic` changes; `name` tells it apart in metrics. */
  cache<K, V>(topic: Topic, ttlMs: number, name: string = topic): ReadCache<K, V> {
    const cache = new ReadCache<K, V>(name, this, ttlMs);
    this.#caches.set(topic, [...(this.#caches.get(topic) ?? []), cache as ReadCache<unknown, unknown>]);
    return cache;
  }

  /** Every cache handed out, for metrics. */
  caches(): ReadCache<unknown, unknown>[] {
    return [...this.#caches.values()].flat();
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
