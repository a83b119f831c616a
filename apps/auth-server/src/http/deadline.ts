import type { ServerResponse } from 'node:http';
import { RequestScope } from '@hal/db';
import type { MiddlewareHandler } from 'hono';
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
 */
export function requestDeadline(ms: number, statementTimeoutMs: number): MiddlewareHandler<Env> {
  return (c, next) =>
    // One promise and one timer per request: this runs on every request.
    new Promise<void>((resolve, reject) => {
      const scope = new RequestScope();
      let answered = false;
      let timer: NodeJS.Timeout | undefined;
      // Node's response closed before it finished: the client went away, nobody will read the answer.
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      const gone = () => {
        if (!outgoing?.writableFinished) scope.abandon('disconnect');
      };
      const answer = (error?: unknown) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        outgoing?.off('close', gone);
        if (error === undefined) resolve();
        else reject(error);
      };
      outgoing?.once('close', gone);
      timer = setTimeout(async () => {
        scope.abandon('deadline');
        const wait = (delay: number) => new Promise((done) => setTimeout(done, delay).unref());
        await Promise.race([scope.settled(), wait(statementTimeoutMs)]);
        await wait(FINISH_GRACE_MS);
        answer(new RequestTimeout());
      }, ms);
      scope.run(next).then(
        () => answer(),
        (error) => answer(error ?? new Error('request failed')),
      );
    });
}
