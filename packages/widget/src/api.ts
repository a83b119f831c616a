import { isRecord, widgetError } from './errors';
import type { IdentifiedUser } from './events';

/** HAL's answer: the token and the profile HAL verified (JWT claims, or what came with the hash). */
interface Verified extends IdentifiedUser {
  widget_token: string;
  expires_in: number;
}

interface IdentifyResponse {
  data?: Partial<Verified>;
  error?: { code?: unknown; message?: unknown };
}

const optionalString = (input: Record<string, unknown>, key: string): string | undefined => {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw widgetError('invalid_request', `${key} must be a string`);
  return value;
};

const requiredString = (input: Record<string, unknown>, key: string): string => {
  const value = optionalString(input, key);
  if (!value) throw widgetError('invalid_request', `${key} is required`);
  return value;
};

/** Builds the identify body: `{ app_id, user_jwt }` or `{ app_id, user_id, user_hash, name?, email? }`. */
export function identifyBody(appId: string, input: unknown): Record<string, string | undefined> {
  if (!isRecord(input)) throw widgetError('invalid_request', 'identify expects an object');
  if (input.user_jwt !== undefined) return { app_id: appId, user_jwt: requiredString(input, 'user_jwt') };
  return {
    app_id: appId,
    user_id: requiredString(input, 'user_id'),
    user_hash: requiredString(input, 'user_hash'),
    name: optionalString(input, 'name'),
    email: optionalString(input, 'email'),
  };
}

/** POSTs the host's signed identity to HAL, which verifies the hash or JWT server-side. */
export async function verifyIdentity(apiBase: string, body: Record<string, unknown>): Promise<Verified> {
  const res = await fetch(`${apiBase}/api/widget/v1/identify`, {
    method: 'POST',
    // The widget token travels in memory only; no cookies cross to HAL.
    credentials: 'omit',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  }).catch(() => {
    throw widgetError('network_error', 'HAL is unreachable');
  });
  const json = (await res.json().catch(() => null)) as IdentifyResponse | null;
  const data = json?.data;
  if (res.ok && typeof data?.widget_token === 'string' && typeof data.user_id === 'string') {
    return data as Verified;
  }
  const { code, message } = json?.error ?? {};
  throw widgetError(
    typeof code === 'string' ? code : res.status === 401 ? 'invalid_user_hash' : 'server_error',
    typeof message === 'string' ? message : `HTTP ${res.status}`,
  );
}
