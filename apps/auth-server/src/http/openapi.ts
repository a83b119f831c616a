/**
 * The REST API documents itself: middlewares carry their share of the OpenAPI operation (request
 * body, security, refusals) and `routes/api/openapi.ts` collects them from the route table with
 * hono-openapi, so the document is built from the very schemas that validate requests.
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */
import type { MiddlewareHandler } from 'hono';
import { type DescribeRouteOptions, resolver, uniqueSymbol } from 'hono-openapi';
import type { z } from 'zod';
import { jsonBody } from './body';
import { ApiErrorBody } from './outputs';
import { passThrough } from './router';
import type { Env } from './types';

type Responses = NonNullable<DescribeRouteOptions['responses']>;

/** Attaches part of an operation's description to a middleware (merged by hono-openapi). */
export function documents<M extends MiddlewareHandler<Env>>(middleware: M, spec: DescribeRouteOptions): M {
  return Object.assign(middleware, { [uniqueSymbol]: { spec } });
}

// Answers are described as zod outputs: objects closed (`additionalProperties: false`), so a field
// a service adds without documenting it fails the document's test.
const output = (schema: z.ZodType) => resolver(schema, { options: { io: 'output' } });

/** A JSON answer of `schema`. */
export const jsonResponse = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema: output(schema) } },
});

/** A refusal in the REST API's error shape, `{ error: { code, message } }`. */
export const errorResponse = (description: string, headers?: Record<string, { description: string }>) => ({
  description,
  ...(headers && {
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, h]) => [name, { ...h, schema: { type: 'string' as const } }]),
    ),
  }),
  content: { 'application/json': { schema: output(ApiErrorBody) } },
});

export const challengeHeader = {
  'WWW-Authenticate': {
    description: 'RFC 6750 §3 Bearer challenge naming the resource metadata (RFC 9728 §5.1)',
  },
};

/** Refusals any route may give, by status. */
export const refusals = {
  notFound: { 404: errorResponse('`not_found`: no such resource, or not the caller’s') },
  conflict: { 409: errorResponse('`conflict`: the change clashes with the current state') },
  rateLimited: {
    429: errorResponse('`rate_limited`: too many requests', {
      'Retry-After': { description: 'seconds to wait before trying again' },
    }),
  },
} satisfies Record<string, Responses>;

// Any operation may answer it: the database cannot serve it right now, or its deadline passed.
const unavailable = errorResponse(
  '`unavailable`: the database cannot serve the request right now, or it ran past its deadline; nothing was changed, retry',
  { 'Retry-After': { description: 'seconds to wait before retrying' } },
);

/**
 * Reads the JSON body with {@link jsonBody} (same checks, same 400/415 refusals) into
 * `c.req.valid('json')`, and documents `schema` as the operation's request body: one schema for both.
 */
export function jsonInput<S extends z.ZodType>(schema: S) {
  const middleware: MiddlewareHandler<
    Env,
    string,
    { in: { json: z.input<S> }; out: { json: z.output<S> } }
  > = async (c, next) => {
    c.req.addValidatedData('json', (await jsonBody(c, schema)) as object);
    await next();
  };
  return documents(middleware, {
    requestBody: { required: true, content: { 'application/json': { schema: resolver(schema) } } },
    responses: {
      400: errorResponse(
        '`invalid_request` or `invalid_json`: the body is malformed; the message names the field',
      ),
      413: errorResponse('`payload_too_large`: the body exceeds 64 KiB'),
      415: errorResponse('`unsupported_media_type`: the body must be `application/json`'),
    },
  });
}

/**
 * An operation's own description (summary, tags, success answers): a pass-through the router
 * leaves out of the chain it serves (`http/router.ts`), listed in the route table for the document.
 */
export const operation = (spec: DescribeRouteOptions & { operationId: string; summary: string }) =>
  documents(
    passThrough<MiddlewareHandler<Env>>((_c, next) => next()),
    { ...spec, responses: { ...spec.responses, 503: unavailable } },
  );
