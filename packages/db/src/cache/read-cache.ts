/**
 * A per-process read cache for rows that are read on every request and change rarely. Every
 * process drops it when its topic changes anywhere (the triggers NOTIFY, {@link ChangeFeed}
 * listens), so all processes agree as soon as the NOTIFY arrives, and the TTL bounds staleness
 * should the listening connection fail silently. Only what is read while NOTIFYs are arriving is
 * kept, and only if no change arrived while it was read.
 */
export class ReadCache<K, V> {
  readonly #entries = new Map<K, { value: V; until: number }>();
  // Reads in flight: concurrent misses of one key share one read (a burst on an expired entry
  // costs one query, or one password hash, not one per request). Dropped with every change.
  readonly #reading = new Map<K, Promise<V | undefined>>();
  // Bumped by every change: a read that started before it may have seen the old row.
  #generation = 0;
  /** Lookups answered from the cache, and those that read the database (for metrics). */
  hits = 0;
  misses = 0;

  constructor(
    /** What it caches, as metrics name it. */
    readonly name: string,
    private readonly feed: { readonly live: boolean },
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value, or `read()`'s (kept when defined). */
  async get(key: K, read: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.#entries.get(key);
    if (hit) {
      if (Date.now() < hit.until) {
        this.hits++;
        return hit.value;
      }
      this.#entries.delete(key);
    }
    this.misses++;
    const generation = this.#generation;
    const value = await this.#read(key, read);
    if (value !== undefined && generation === this.#generation && this.feed.live) {
      // Bounded: the oldest entry makes room (a Map iterates in insertion order).
      if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as K);
      this.#entries.set(key, { value, until: Date.now() + this.ttlMs });
    }
    return value;
  }

  /**
   * `read()`, or the same key's read already in flight. Only while live: a read joined after a
   * change would be older than the change, and clear() forgets the reads in flight.
   */
  async #read(key: K, read: () => Promise<V | undefined>): Promise<V | undefined> {
    if (!this.feed.live) return read();
    const inFlight = this.#reading.get(key);
    // The first reader's request may be cut short (deadline, client gone): read for this one then.
    if (inFlight) return inFlight.catch(read);
    const reading = read();
    this.#reading.set(key, reading);
    try {
      return await reading;
    } finally {
      if (this.#reading.get(key) === reading) this.#reading.delete(key);
    }
  }

  clear() {
    this.#generation++;
    this.#entries.clear();
    this.#reading.clear();
  }
}
