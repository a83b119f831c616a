import type { IncomingMessage } from 'node:http';
import { isUnstorable } from '@hal/core';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, describeZodError } from './api-errors';

// Decodes as `Response.text()` does: invalid bytes become U+FFFD, a leading BOM is dropped.
const utf8 = new TextDecoder();

/**
 * The request body as text, read once. A small body mostly arrives with its headers, so Node's
 * parser buffers all of it at once: it is then taken from that buffer, without the listeners,
 * ticks and promises of @hono/node-server's streamed read, which cost a JSON or form POST more than
 * the parsing of its body. A body with no Content-Length (chunked, counted against the 64 KiB
 * limit as it streams) or not all buffered takes that streamed read.
 */
export function requestText(c: Context): string | Promise<string> {
  const incoming = bufferedBody(c);
  if (incoming === undefined) return c.req.text();
  if (allBuffered(incoming)) return takeBuffered(c, incoming);
  // A route that reads before awaiting anything runs inside Node's callback for the headers, before
  // the parser has buffered the body that came with them. Node runs promise reactions right after
  // it hands the stream that body (before it marks the message complete), so one reaction later
  // the body is there, or is still on its way and streamed.
  return Promise.resolve(c).then(afterBodyChunk);
}

function afterBodyChunk(c: Context): string | Promise<string> {
  const incoming = bufferedBody(c);
  return incoming !== undefined && allBuffered(incoming) ? takeBuffered(c, incoming) : c.req.text();
}

const allBuffered = (incoming: IncomingMessage) =>
  incoming.readableLength === Number(incoming.headers['content-length']);

/** Node's request, when its body may be taken from its buffer: it has a length and is unread. */
function bufferedBody(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (!incoming || incoming.headers['content-length'] === undefined || incoming.readableDidRead) return;
  return incoming;
}

function takeBuffered(c: Context, incoming: IncomingMessage): string {
  const chunks: Buffer[] = [];
  for (let chunk: Buffer | null = incoming.read(); chunk !== null; chunk = incoming.read())
    chunks.push(chunk);
  const text = utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  // Any later reader of the body (Hono's own) gets the same text: Hono keeps promises there.
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
  return text;
}

const badRequest = (message: string, code = 'invalid_request') => new ApiError(400, code, message);

/** Reads a JSON body and validates it; malformed JSON and invalid fields are 400, never 500. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'content-type must be application/json');
  }
  let value: unknown;
  try {
    value = JSON.parse(await requestText(c));
  } catch {
    throw badRequest('request body is not valid JSON', 'invalid_json');
  }
  // PostgreSQL text cannot hold NUL, nor jsonb an unpaired surrogate: refuse them here, not in SQL.
  if (isUnstorable(value))
    throw badRequest(
      'strings must not contain NUL characters or unpaired surrogates, or nest deeper than 32 levels',
    );
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(describeZodError(parsed.error));
  return parsed.data;
}

/**
 * Reads an `application/x-www-form-urlencoded` body (text + URLSearchParams: several times faster
 * than parseBody). Other content types yield empty params.
 */
export async function formBody(c: Context): Promise<URLSearchParams> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) return new URLSearchParams();
  const params = new URLSearchParams(await requestText(c));
  if (isUnstorable([...params])) throw badRequest('form fields must not contain NUL characters');
  return params;
}
