/** What a {@link DeadlineWheel} calls once its time has come. */
export interface Expiring {
  expire(): void;
}

/**
 * Deadlines of many requests on one coarse timer: adding and removing one costs a Set operation,
 * where a timer per request costs a setTimeout and a clearTimeout on every request. A deadline
 * fires up to one tick late, never early.
 */
export class DeadlineWheel {
  readonly #tick: number;
  // Deadlines by the tick they fire at (rounded up).
  readonly #slots = new Map<number, Set<Expiring>>();
  #timer: NodeJS.Timeout | undefined;
  #next = Number.POSITIVE_INFINITY;

  constructor(tickMs = 50) {
    this.#tick = tickMs;
  }

  /**
   * Calls `due.expire()` once `ms` have passed, unless it is deleted first from the set returned.
   * (No closure per deadline: this runs on every request.)
   */
  add(ms: number, due: Expiring): Set<Expiring> {
    const slot = Math.ceil((Date.now() + ms) / this.#tick);
    let set = this.#slots.get(slot);
    if (!set) {
      set = new Set();
      this.#slots.set(slot, set);
      if (slot < this.#next) this.#next = slot;
    }
    set.add(due);
    // Runs only while a deadline is pending; does not keep the process alive.
    this.#timer ??= setInterval(() => this.#advance(), this.#tick).unref();
    return set;
  }

  #advance() {
    const now = Date.now() / this.#tick;
    if (now < this.#next) return;
    let next = Number.POSITIVE_INFINITY;
    const due: Set<Expiring>[] = [];
    for (const [slot, set] of this.#slots) {
      if (slot <= now) {
        this.#slots.delete(slot);
        due.push(set);
      } else if (set.size === 0) this.#slots.delete(slot);
      else if (slot < next) next = slot;
    }
    this.#next = next;
    if (this.#slots.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    for (const set of due) for (const expiring of set) expiring.expire();
  }
}
