import { isAscii } from 'node:buffer';
import { matchesTokenHash } from '../crypto';
import { InvalidClient, InvalidRequest } from '../errors';
import { isUnstorable } from '../params';

/** How the client presented its credentials at the token, revocation or introspection endpoint. */
export type ClientCredentials =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; clientSecret: string }
  | { method: 'none'; clientId: string; clientSecret?: undefined };

export type ClientCredentialsInput = {
  authorization?: string | null;
  body: { client_id?: string; client_secret?: string };
};

const BASIC = /^basic(?: |$)/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

// Most client ids and secrets (HAL's own: ULIDs, base62) hold nothing encoded: returned as they are.
const formDecode = (value: string) =>
  value.includes('%') || value.includes('+') ? decodeURIComponent(value.replace(/\+/g, ' ')) : value;

/** Decodes `Basic base64(urlencode(client_id) ":" urlencode(client_secret))`; throws when malformed. */
function decodeBasic(authorization: string): { clientId: string; clientSecret: string } {
  const malformed = () => new InvalidClient('basic client credentials are malformed');
  // RFC 9110 §11.1: the scheme is case-insensitive; RFC 6749 §5.2: any other method is invalid_client
  if (!BASIC.test(authorization)) throw new InvalidClient('client authentication method is not supported');
  const token = authorization.slice('basic'.length).trim();
  if (!token || !BASE64.test(token)) throw malformed();
  let decoded: string;
  try {
    const bytes = Buffer.from(token, 'base64');
    // ASCII (every HAL client id and secret) needs no UTF-8 validation.
    decoded = isAscii(bytes) ? bytes.toString('latin1') : utf8.decode(bytes);
  } catch {
    throw malformed();
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) throw malformed();
  let clientId: string;
  let clientSecret: string;
  try {
    // RFC 6749 §2.3.1: client_id and client_secret are form-urlencoded before base64, so decode them
    clientId = formDecode(decoded.slice(0, colon));
    clientSecret = formDecode(decoded.slice(colon + 1));
  } catch {
    throw malformed();
  }
  // A NUL (base64 of "\0", or "%00") cannot name a client, and PostgreSQL text cannot hold it.
  if (!clientId || isUnstorable(clientId) || isUnstorable(clientSecret)) throw malformed();
  return { clientId, clientSecret };
}

/**
 * Reads the client's credentials from the Authorization header or the body; does not verify them.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function parseClientCredentials({ authorization, body }: ClientCredentialsInput): ClientCredentials {
  // An empty client_secret is what some libraries send for public clients: it is no secret at all.
  const bodySecret = body.client_secret || undefined;
  if (authorization) {
    const basic = decodeBasic(authorization);
    // RFC 6749 §2.3: the client MUST NOT use more than one authentication method in each request
    if (bodySecret !== undefined) throw new InvalidRequest('client authentication must use only one method');
    if (body.client_id && body.client_id !== basic.clientId) {
      throw new InvalidRequest('client_id does not match the client authentication');
    }
    return { method: 'client_secret_basic', ...basic };
  }
  // RFC 6749 §5.2: no client authentication included is invalid_client
  if (!body.client_id) throw new InvalidClient('client authentication failed');
  if (bodySecret !== undefined) {
    return { method: 'client_secret_post', clientId: body.client_id, clientSecret: bodySecret };
  }
  return { method: 'none', clientId: body.client_id };
}

/**
 * True when the presented client secret hashes to the stored hash, compared in constant time.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export const verifyClientSecret = (presented: string, storedHash: string) =>
  matchesTokenHash(presented, storedHash);
