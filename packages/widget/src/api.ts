import { isRecord, WidgetError } from './errors';
import type { IdentifiedUser } from './events';

interface Verified {
  widget_token: string;
  expires_in: number;
  user_id: string;
}

interface IdentifyResponse {
  data?: Partial<Verified>;
  error?: { code?: unknown; message?: unknown };
}

const optionalString = (input: Record<string, unknown>, key: string): string | undefined => {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new WidgetError('invalid_request', `${key} must be a string`);
  return value;
};

const requiredString = (input: Record<string, unknown>, key: string): string => {
  const value = optionalString(input, key);
  if (!value) throw new WidgetError('invalid_request', `${key} is required`);
  return value;
};

/** Builds the identify body: `{ app_id, user_jwt }` or `{ app_id, user_id, user_hash, name?, email? }`. */
export function identifyBody(appId: string, input: unknown): Record<string, string | undefined> {
  if (!isRecord(input)) throw new WidgetError('invalid_request', 'identify expects an object');
  if (input.user_jwt !== undefined) return { app_id: appId, user_jwt: requiredString(input, 'user_jwt') };
  return {
    app_id: appId,
    user_id: requiredString(input, 'user_id'),
    user_hash: requiredString(input, 'user_hash'),
    name: optionalString(input, 'name'),
    email: optionalString(input, 'email'),
  };
}

/**
 * Reads display claims from a user_jwt without verifying it: only the server's answer decides
 * who the user is, this just lets the launcher show a name.
 */
function jwtClaims(jwt: string): Record<string, unknown> {
  try {
    const part = (jwt.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))),
    );
    return isRecord(claims) ? claims : {};
  } catch {
    return {};
  }
}

/** The profile shown for a verified user; `user_id` always comes from the server's answer. */
export function profileOf(userId: string, body: Record<string, string | undefined>): IdentifiedUser {
  const source = body.user_jwt ? jwtClaims(body.user_jwt) : body;
  const user: IdentifiedUser = { user_id: userId };
  if (typeof source.name === 'string') user.name = source.name;
  if (typeof source.email === 'string') user.email = source.email;
  return user;
}

/** POSTs the host's signed identity to HAL, which verifies the hash or JWT server-side. */
export async function verifyIdentity(apiBase: string, body: Record<string, unknown>): Promise<Verified> {
  let res: Response;
  try {
    res = await fetch(`${apiBase}/api/widget/v1/identify`, {
      method: 'POST',
      // The widget token travels in memory only; no cookies cross to HAL.
      credentials: 'omit',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new WidgetError('network_error', 'could not reach the HAL server');
  }
  const json = (await res.json().catch(() => null)) as IdentifyResponse | null;
  const data = json?.data;
  if (res.ok && typeof data?.widget_token === 'string' && typeof data.user_id === 'string') {
    return data as Verified;
  }
  const { code, message } = json?.error ?? {};
  throw new WidgetError(
    typeof code === 'string' ? code : res.status === 401 ? 'invalid_user_hash' : 'server_error',
    typeof message === 'string' ? message : `identify failed with status ${res.status}`,
  );
}
