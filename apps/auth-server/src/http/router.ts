import type { Router } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';

const PASS_THROUGH = Symbol('pass-through');

/**
 * Marks `middleware` as one that only calls `next()` (a route's OpenAPI description, a check
 * switched off by configuration): it stays out of the served chain.
 */
export function passThrough<M extends object>(middleware: M): M {
  return Object.assign(middleware, { [PASS_THROUGH]: true });
}

// The methods whose matches are kept: a request's method is the client's, any token at all.
const CACHED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type Handler = [unknown, unknown];

/**
 * HAL's router: Hono's TrieRouter (its RegExpRouter refuses the contract's
 * `/api/v1/oauth/apps/public/:client_id` beside `/api/v1/oauth/apps/:id`), with two shortcuts the
 * trie lacks, both measured on `GET /api/v1/auth/me`:
 * - the match of a path the table names literally (no parameter, no wildcard) is computed once
 *   (walking the trie of HAL's 139 routes and the wildcard middlewares on its way: 0.8 µs; kept,
 *   0.013 µs). Only those paths are kept, so a client's made-up paths cannot grow the memo;
 * - a {@link passThrough} handler (a route's OpenAPI description, a rate limit switched off) is
 *   left out of the chain the route runs, while `app.routes`, whence the OpenAPI document is
 *   collected, still lists it: every handler of the chain costs each request an async dispatch of
 *   Hono's compose.
 */
export class HalRouter<T extends Handler> implements Router<T> {
  readonly name = 'HalRouter';
  readonly #trie = new TrieRouter<T>();
  readonly #literalPaths = new Set<string>();
  readonly #matches = new Map<string, Map<string, ReturnType<Router<T>['match']>>>();

  add(method: string, path: string, handler: T): void {
    if (typeof handler[0] === 'function' && PASS_THROUGH in handler[0]) return;
    this.#trie.add(method, path, handler);
    if (!/[:*]/.test(path)) this.#literalPaths.add(path);
    this.#matches.clear();
  }

  match(method: string, path: string): ReturnType<Router<T>['match']> {
    const byPath = this.#matches.get(method);
    const known = byPath?.get(path);
    if (known) return known;
    // Shared by every request of that path: Hono reads a match, never changes it (its RegExpRouter
    // hands out its precomputed matches the same way).
    const match = this.#trie.match(method, path);
    if (this.#literalPaths.has(path) && CACHED_METHODS.has(method)) {
      if (byPath) byPath.set(path, match);
      else this.#matches.set(method, new Map([[path, match]]));
    }
    return match;
  }
}
