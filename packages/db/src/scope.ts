import { AsyncLocalStorage } from 'node:async_hooks';

/** Why a request gave up on its statements. */
export type AbandonReason = 'deadline' | 'disconnect';

/**
 * A statement refused or cancelled because its request was abandoned. Carries SQLSTATE 57014
 * (query_canceled), which PostgreSQL also reports for a cancelled statement: either way the
 * statement did not commit, and the request can be answered 503 (retry).
 */
export class StatementCancelled extends Error {
  readonly code = '57014';
  constructor(readonly reason: AbandonReason) {
    super(
      reason === 'deadline'
        ? 'statement cancelled: the request deadline passed'
        : 'statement cancelled: the client went away',
    );
    this.name = 'StatementCancelled';
  }
}

/** A statement in flight: a promise that settles, and how to cancel it (if it can be). */
interface InFlight {
  settled: Promise<unknown>;
  cancel?: () => void;
}

const current = new AsyncLocalStorage<RequestScope | undefined>();
// The scope {@link RequestScope.sending} binds for the synchronous span of its callback.
let sending: RequestScope | undefined;
// Scopes running now. On Node 20 an enabled AsyncLocalStorage turns on async_hooks' promise hooks
// for every promise of the process (about twice the cost of each); once no scope runs, the storage
// is disabled, so the requests that enter none (reads: http/deadline.ts) pay nothing for it.
let running = 0;
const left = () => {
  if (--running === 0) current.disable();
};

/**
 * The database work of one request. Every statement issued while {@link RequestScope.run} runs is
 * bound to the scope (through AsyncLocalStorage, so the stores need no parameter for it). Once the
 * scope is abandoned (its deadline passed, or its client went away): no new statement is sent
 * (each is refused with {@link StatementCancelled}), statements in flight are cancelled
 * (PostgreSQL CancelRequest, or taken out of the pool's queue), and a transaction rolls back
 * instead of committing. {@link RequestScope.settled} tells when nothing is in flight any more:
 * from then on no statement of the request can commit, so a 503 tells the truth.
 */
export class RequestScope {
  #abandoned: StatementCancelled | undefined;
  // Created with the first statement: a request that sends none costs no more than this object.
  #inFlight: Set<InFlight> | undefined;
  #waiters: (() => void)[] | undefined;

  /** The error statements get once the request is abandoned, else undefined. */
  get abandoned(): StatementCancelled | undefined {
    return this.#abandoned;
  }

  /** How many statements of the request are in flight. */
  get inFlight(): number {
    return this.#inFlight?.size ?? 0;
  }

  /** Runs `work` with its statements bound to this scope. */
  run<T>(work: () => Promise<T>): Promise<T> {
    running++;
    let result: Promise<T>;
    try {
      result = current.run(this, work);
    } catch (error) {
      left();
      throw error;
    }
    result.then(left, left);
    return result;
  }

  /**
   * Binds to this scope the statements `send` issues before its first `await` (drizzle hands a
   * statement to the driver synchronously): for shared work that runs outside every request (a
   * group commit) yet must stay cancellable, without the AsyncLocalStorage that {@link run} enables.
   */
  sending<T>(send: () => T): T {
    const outer = sending;
    sending = this;
    try {
      return send();
    } finally {
      sending = outer;
    }
  }

  /** Refuses new statements and cancels those in flight (idempotent). */
  abandon(reason: AbandonReason) {
    if (this.#abandoned) return;
    this.#abandoned = new StatementCancelled(reason);
    for (const statement of this.#inFlight ?? []) statement.cancel?.();
  }

  /** Resolves once no statement of the request is in flight. */
  settled(): Promise<void> {
    if (!this.#inFlight?.size) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters ??= [];
      this.#waiters.push(resolve);
    });
  }

  /** Throws when the request was abandoned: called before a statement is sent and before COMMIT. */
  check() {
    if (this.#abandoned) throw this.#abandoned;
  }

  /** Counts `statement` in flight until it settles (cancelled with the rest if abandoned meanwhile). */
  track(statement: InFlight) {
    this.#inFlight ??= new Set();
    this.#inFlight.add(statement);
    // Inline callbacks, no named closure: tsx (keepNames) names each one it creates.
    statement.settled.then(
      () => this.#done(statement),
      () => this.#done(statement),
    );
  }

  #done(statement: InFlight) {
    const inFlight = this.#inFlight;
    if (!inFlight) return;
    inFlight.delete(statement);
    if (inFlight.size === 0 && this.#waiters) {
      const waiters = this.#waiters;
      this.#waiters = undefined;
      for (const wake of waiters) wake();
    }
  }
}

/** The scope of the running request, if any. */
export const currentScope = (): RequestScope | undefined => sending ?? current.getStore();

/**
 * Runs `work` with its statements bound to `scope`, the request's scope handed to a grant that
 * runs outside it (opaque to core); as is when there is none.
 */
export function inScope<T>(scope: unknown, work: () => Promise<T>): Promise<T> {
  return scope instanceof RequestScope ? scope.run(work) : work();
}

/**
 * Runs `work` outside any request scope: for shared work that one request merely triggers (a
 * group commit of several requests' rows, a cache reload), which must not be cancelled with it.
 */
export function detached<T>(work: () => T): T {
  // Not `exit`: it disables the storage and enables it again, which toggles the promise hooks.
  return current.run(undefined, work);
}
