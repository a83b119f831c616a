import type { Stores } from '@hal/db';
import type { Context, MiddlewareHandler } from 'hono';
import type { Env } from './types';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in seconds. */
  window: number;
}

/**
 * A fixed-window rate limit kept in the database (one atomic upsert), so every server process
 * counts together. Over the limit: 429 with `Retry-After`, in the caller's error shape.
 */
export function rateLimit(
  ops: Stores['ops'],
  name: string,
  rule: RateLimitRule | undefined,
  key: (c: Context<Env>) => string,
  respond: (c: Context<Env>, retryAfter: number) => Response,
): MiddlewareHandler<Env> {
  if (!rule) return (_c, next) => next(); // limits off (HAL_RATE_LIMITS=off)
  return async (c, next) => {
    const { count, resetAt } = await ops.hit(`${name}:${key(c)}`, rule.window);
    if (count > rule.limit) {
      const retryAfter = Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000));
      c.header('Retry-After', String(retryAfter));
      return respond(c, retryAfter);
    }
    await next();
  };
}

/** 429 in the REST API's shape. */
export const apiTooMany = (c: Context, _retryAfter: number) =>
  c.json({ error: { code: 'rate_limited', message: 'too many requests; try again later' } }, 429);

/** 429 at OAuth JSON endpoints, in the RFC 6749 §5.2 shape. */
export const oauthTooMany = (c: Context, _retryAfter: number) => {
  c.header('Cache-Control', 'no-store');
  return c.json({ error: 'rate_limited', error_description: 'too many requests; try again later' }, 429);
};
