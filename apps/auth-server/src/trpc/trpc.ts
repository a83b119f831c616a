import { ApiError, isUnstorable } from '@hal/core';
import type { User } from '@hal/db';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Context } from 'hono';
import { isReferenceGone, REFERENCE_GONE_MESSAGE } from '../http/conflict';
import type { Services } from '../services';

// A type alias, not an interface: @hono/trpc-server wants a context assignable to Record<string, unknown>.
export type TrpcContext = {
  services: Services;
  user: User | null;
  /** True when the request may change state: same-origin `Origin` or the `x-hal-csrf` header. */
  csrfSafe: boolean;
};

/** Builds the context from the browser session cookie (the dashboard's only credential). */
export async function createTrpcContext(s: Services, c: Context): Promise<TrpcContext> {
  const session = await s.sessions.current(c);
  const origin = c.req.header('origin');
  // A custom header cannot be sent cross-site without a CORS preflight, which HAL never grants here.
  const csrfSafe = Boolean(c.req.header('x-hal-csrf')) || origin === new URL(s.config.issuer).origin;
  return { services: s, user: session?.user ?? null, csrfSafe };
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter: ({ shape }) => {
    // Never leak stack traces or internal messages to the browser.
    const { stack: _stack, ...data } = shape.data;
    const message = shape.data.code === 'INTERNAL_SERVER_ERROR' ? 'internal error' : shape.message;
    return { ...shape, message, data };
  },
});

const STATUS_CODES = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'TOO_MANY_REQUESTS',
} as const;

/** The one place service errors (ApiError) become tRPC errors. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ApiError) {
    const cause = result.error.cause;
    const code = STATUS_CODES[cause.status as keyof typeof STATUS_CODES] ?? 'INTERNAL_SERVER_ERROR';
    throw new TRPCError({ code, message: cause.message, cause });
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
