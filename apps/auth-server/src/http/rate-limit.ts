import type { Stores } from '@hal/db';
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimited } from '../services/errors';
import { passThrough } from './router';
import type { Env } from './types';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in seconds. */
  window: number;
}

/**
 * A fixed-window rate limit kept in the database (one atomic upsert), so every server process
 * counts together. Over the limit it throws `rate_limited` with the seconds left in the window;
 * the surface's renderer answers 429 with `Retry-After` in its own shape.
 */
function rateLimiter(
  limits: Stores['limits'],
  name: string,
  rule: RateLimitRule,
  key: (c: Context<Env>) => string,
): (c: Context<Env>) => Promise<void> {
  return async (c) => {
    const { count, resetAt } = await limits.hit(`${name}:${key(c)}`, rule.window);
    if (count > rule.limit) {
      const retryAfter = Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000));
      throw rateLimited(retryAfter, 'too many requests; try again later');
    }
  };
}

/** {@link rateLimiter} as middleware, for routes whose errors reach `onError` (the REST shape). */
function rateLimit(
  limits: Stores['limits'],
  name: string,
  rule: RateLimitRule | undefined,
  key: (c: Context<Env>) => string,
): MiddlewareHandler<Env> {
  if (!rule) return passThrough<MiddlewareHandler<Env>>((_c, next) => next()); // HAL_RATE_LIMITS=off
  const limit = rateLimiter(limits, name, rule, key);
  return async (c, next) => {
    await limit(c);
    await next();
  };
}

/** The rate limits of every route, counted in `limits` (built once by the HTTP layer). */
export function rateLimits(limits: Stores['limits']) {
  type Key = (c: Context<Env>) => string;
  return {
    /**
     * A check to await inside a handler (OAuth endpoints, which render their own 429); undefined
     * when the limits are off.
     */
    // Limits off (HAL_RATE_LIMITS=off): no check at all, not even an awaited no-op.
    limiter: (name: string, rule: RateLimitRule | undefined, key: Key) =>
      rule ? rateLimiter(limits, name, rule, key) : undefined,
    middleware: (name: string, rule: RateLimitRule | undefined, key: Key) =>
      rateLimit(limits, name, rule, key),
  };
}
