/** A seeded PRNG (sfc32): one seed, one sequence of generated requests (per lane). */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    this.#a |= 0;
    this.#b |= 0;
    this.#c |= 0;
    this.#d |= 0;
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)] as T;
  }

  /** One of `choices`, each as likely as its weight; a choice may be a thunk, called when picked. */
  weighted<T>(choices: readonly (readonly [number, T | (() => T)])[]): T {
    let total = 0;
    for (const [w] of choices) total += w;
    let roll = this.next() * total;
    for (const [w, value] of choices) {
      roll -= w;
      if (roll < 0) return typeof value === 'function' ? (value as () => T)() : value;
    }
    const last = (choices.at(-1) as readonly [number, T | (() => T)])[1];
    return typeof last === 'function' ? (last as () => T)() : last;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** A subset of `list`, each element kept with probability `p`, in random order. */
  some<T>(list: readonly T[], p = 0.5): T[] {
    return list.filter(() => this.chance(p)).sort(() => this.next() - 0.5);
  }
}
