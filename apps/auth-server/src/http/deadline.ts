import type { ServerResponse } from 'node:http';
import { RequestScope } from '@hal/db';
import type { Context, MiddlewareHandler } from 'hono';
import { DeadlineWheel, type Expiring } from './deadline-wheel';
import type { Env } from './types';
import { RequestTimeout } from './unavailable';

// Past the deadline, once none of its statements is in flight, how long a handler still gets to
// finish its answer (it may have won the race against the cancel: signing and serializing take
// milliseconds) before it is answered 503 for it.
const FINISH_GRACE_MS = 1_000;

/**
 * The request deadline, enforced in the database rather than raced against it. At `ms`, or as
 * soon as the client goes away, the request is abandoned (@hal/db RequestScope): no new statement
 * is sent, statements in flight are cancelled, a transaction rolls back instead of committing. The
 * handler then fails with SQLSTATE 57014, an outage (`http/unavailable.ts`): 503 with Retry-After.
 *
 * The answer never overtakes the database: a 503 leaves only once every statement of the request
 * has settled, so nothing the request wrote can commit after it. A statement that committed before
 * its cancel arrived is answered as usual, late: the client gets what was done. A handler stuck
 * elsewhere than in the database is answered 503 when its statements have settled and a grace
 * has passed; should a statement never settle (no cancel reaches a dead network path), when
 * PostgreSQL's own statement_timeout (`statementTimeoutMs`) has certainly ended it.
 *
 * Requests that only read (`scoping`, `http/read-only.ts`) run outside any scope: nothing of theirs
 * can commit that a 503 would deny, so their deadline answers 503 at once and cancels nothing. A
 * route-scoped request gets its scope in `c.get('requestScope')` and binds its statements itself.
 * Deadlines share one coarse timer (`deadline-wheel.ts`): they fire up to 50 ms late, never early.
 */
export function requestDeadline(
  ms: number,
  statementTimeoutMs: number,
  scoping: (c: Context<Env>) => 'none' | 'route' | 'request' = () => 'request',
): MiddlewareHandler<Env> {
  const wheel = new DeadlineWheel();
  return (c, next) =>
    // One promise per request, and no closure of its own (see Deadline): this runs on every request.
    new Promise<void>((resolve, reject) => {
      // A request that only reads (or writes no more than bookkeeping a retry may repeat: a rate
      // limit counter, a token's last use) enters no scope: it has nothing to roll back, and a
      // running scope costs every promise of the process (@hal/db scope.ts). Its deadline answers
      // 503 at once; a statement it left waiting ends at PostgreSQL's statement_timeout.
      const mode = scoping(c);
      const scope = mode === 'none' ? undefined : new RequestScope();
      // The route enters it (or hands it to its writes) itself.
      if (mode === 'route') c.set('requestScope', scope);
      const outgoing = scope && (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      const deadline = new Deadline(resolve, reject, statementTimeoutMs, scope, outgoing);
      deadline.slot = wheel.add(ms, deadline);
      (scope && mode === 'request' ? scope.run(next) : next()).then(
        () => deadline.answer(),
        (error) => deadline.answer(error ?? new Error('request failed')),
      );
    });
}

/**
 * One request's deadline: settles the middleware's promise once, with the handler's outcome or
 * with a 503. A class rather than closures: tsx (keepNames) names every closure it creates, a
 * measurable cost per request.
 */
class Deadline implements Expiring {
  slot: Set<Expiring> | undefined;
  #answered = false;
  readonly #gone: (() => void) | undefined;

  constructor(
    readonly resolve: () => void,
    readonly reject: (error: unknown) => void,
    readonly statementTimeoutMs: number,
    readonly scope: RequestScope | undefined,
    // Node's response: closed before it finished, the client went away and nobody will read the answer.
    readonly outgoing: ServerResponse | undefined,
  ) {
    if (outgoing) {
      this.#gone = this.#onClose.bind(this);
      outgoing.once('close', this.#gone);
    }
  }

  #onClose() {
    if (!this.outgoing?.writableFinished) this.scope?.abandon('disconnect');
  }

  answer(error?: unknown) {
    if (this.#answered) return;
    this.#answered = true;
    this.slot?.delete(this);
    if (this.#gone) this.outgoing?.off('close', this.#gone);
    if (error === undefined) this.resolve();
    else this.reject(error);
  }

  async expire() {
    const { scope } = this;
    if (scope) {
      scope.abandon('deadline');
      await Promise.race([scope.settled(), wait(this.statementTimeoutMs)]);
      await wait(FINISH_GRACE_MS);
    }
    this.answer(new RequestTimeout());
  }
}

const wait = (delay: number) => new Promise((done) => setTimeout(done, delay).unref());
