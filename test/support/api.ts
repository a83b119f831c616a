import { request } from 'node:http';
/** JSON API calls against a running server, returning status, headers and parsed body. */
export async function api(
  base: string,
  method: string,
  path: string,
  options: { auth?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.authorization = options.auth;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(new URL(path, base), {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test payloads are asserted field by field
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export const bearer = (token: string) => `Bearer ${token}`;

/**
 * POSTs a form with node:http through `agent`, for tests that put hundreds of requests in flight
 * at once: a bounded pool of keep-alive sockets instead of hundreds of fresh connections (whose
 * accept storm, not HAL, is what would fail on a 2-core machine).
 */
export function postFormWithAgent(
  base: string,
  path: string,
  fields: Record<string, string>,
  authorization: string,
  agent: import('node:http').Agent,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(fields).toString();
    const req = request(
      new URL(path, base),
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          authorization,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
