import { isUnstorable } from '@hal/core';
import type { User } from '@hal/db';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Context } from 'hono';
import { isReferenceGone, REFERENCE_GONE_MESSAGE } from '../http/conflict';
import type { RouteDeps } from '../http/route-deps';
import { isOutage, RETRY_AFTER_SECONDS } from '../http/unavailable';
import type { Services } from '../services';
import { ServiceError, type ServiceErrorKind } from '../services/errors';

// A type alias, not an interface: @hono/trpc-server wants a context assignable to Record<string, unknown>.
export type TrpcContext = {
  services: Services;
  user: User | null;
  /** True when the request may change state: same-origin `Origin` or the `x-hal-csrf` header. */
  csrfSafe: boolean;
};

/** Builds the context from the browser session cookie (the dashboard's only credential). */
export async function createTrpcContext(s: RouteDeps, c: Context): Promise<TrpcContext> {
  const session = await s.sessions.current(c);
  const origin = c.req.header('origin');
  // A custom header cannot be sent cross-site without a CORS preflight, which HAL never grants here.
  const csrfSafe = Boolean(c.req.header('x-hal-csrf')) || origin === new URL(s.config.issuer).origin;
  return { services: s, user: session?.user ?? null, csrfSafe };
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter: ({ shape, error }) => {
    // Never leak stack traces or internal messages to the browser.
    const { stack: _stack, ...data } = shape.data;
    // An outage is no bug: 503, retry shortly (the status and Retry-After: `trpcResponseMeta`).
    if (isOutage(error.cause))
      return {
        ...shape,
        message: 'the service is temporarily unavailable; retry shortly',
        data: { ...data, code: 'SERVICE_UNAVAILABLE' as const, httpStatus: 503 },
      };
    const message = shape.data.code === 'INTERNAL_SERVER_ERROR' ? 'internal error' : shape.message;
    return { ...shape, message, data };
  },
});

/**
 * The HTTP status of a tRPC answer that failed because of an outage (the database unavailable, or
 * the request timed out), also when it struck while the context was built: 503 with `Retry-After`.
 */
export function trpcResponseMeta({ errors }: { errors: TRPCError[] }) {
  return errors.some((e) => isOutage(e.cause))
    ? { status: 503, headers: new Headers({ 'Retry-After': String(RETRY_AFTER_SECONDS) }) }
    : {};
}

const CODES = {
  invalid_request: 'BAD_REQUEST',
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  rate_limited: 'TOO_MANY_REQUESTS',
} as const satisfies Record<ServiceErrorKind, TRPCError['code']>;

/** The one place service errors become tRPC errors (the formatter above then shapes them). */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ServiceError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: CODES[cause.kind], message: cause.message, cause });
  }
  if (!result.ok && isReferenceGone(result.error.cause))
    throw new TRPCError({ code: 'CONFLICT', message: REFERENCE_GONE_MESSAGE, cause: result.error.cause });
  return result;
});

/** Contract: tRPC mutations need `x-hal-csrf` or a same-origin `Origin`. */
const csrfGuard = t.middleware(async ({ ctx, type, next }) => {
  if (type === 'mutation' && !ctx.csrfSafe) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'cross-site request refused (send x-hal-csrf)' });
  }
  return next();
});

/** PostgreSQL text cannot hold NUL: such input is a 400, never a database error. */
const refuseNul = t.middleware(async ({ getRawInput, next }) => {
  if (isUnstorable(await getRawInput()))
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message:
        'strings must not contain NUL characters or unpaired surrogates, or nest deeper than 32 levels',
    });
  return next();
});

export const router = t.router;
export const publicProcedure = t.procedure.use(mapErrors).use(csrfGuard).use(refuseNul);

/** Signed-in users only; `ctx.user` is non-null inside. */
export const protectedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { ...ctx, user: ctx.user, viewer: { userId: ctx.user.id } } });
});
