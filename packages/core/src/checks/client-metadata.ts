// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document-00, whose section
// numbers are cited here): a client_id that is an https URL names a JSON document describing the
// client. This file is the pure half: which client_ids are such URLs, what their document must say,
// and how long it may be cached. The SSRF-guarded fetch lives in the server.
import { InvalidClientMetadata } from '../errors';
import { checkRedirectUriList, optionalText } from './client-registration';

const MAX_URL_LENGTH = 2000;
/** The cache lifetime bounds of a document, in seconds (contract: at least 60 s, at most 24 h). */
export const METADATA_CACHE_MIN = 60;
export const METADATA_CACHE_MAX = 24 * 3600;

/** What HAL keeps of a valid document. */
export interface ClientMetadataDocument {
  clientId: string;
  clientName: string;
  redirectUris: string[];
  clientUri?: string;
  logoUri?: string;
}

/**
 * The URL a client_id names when it is a metadata document URL, else undefined (an ordinary
 * client_id). `allowHttp` (development and tests only) also accepts `http`.
 * @see https://www.ietf.org/archive/id/draft-ietf-oauth-client-id-metadata-document-00.html#section-3
 */
export function metadataDocumentUrl(clientId: string, allowHttp = false): URL | undefined {
  if (clientId.length > MAX_URL_LENGTH || clientId.includes('\0')) return undefined;
  const raw = /^(https?):\/\/([^/?#]*)([^?#]*)/.exec(clientId);
  // §3: the https scheme and a path component (a bare "/" names no document)
  if (!raw?.[2] || (raw[1] === 'http' && !allowHttp) || !raw[3] || raw[3] === '/') return undefined;
  // §3: no fragment, no username or password
  if (clientId.includes('#') || raw[2]?.includes('@')) return undefined;
  // §3: no single-dot or double-dot path segments (checked on the raw string: URL would resolve them)
  if (raw[3].split('/').some((s) => /^(\.|%2e){1,2}$/i.test(s))) return undefined;
  return URL.canParse(clientId) ? new URL(clientId) : undefined;
}

/**
 * Validates a fetched document against the URL it came from; throws `invalid_client_metadata`.
 * @see https://www.ietf.org/archive/id/draft-ietf-oauth-client-id-metadata-document-00.html#section-4.1
 */
export function checkClientMetadataDocument(url: string, doc: unknown): ClientMetadataDocument {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new InvalidClientMetadata('the document must be a JSON object');
  const d = doc as Record<string, unknown>;
  // §4.1: client_id MUST match the document URL by simple string comparison
  if (d.client_id !== url) throw new InvalidClientMetadata('client_id must equal the document URL');
  const clientName = optionalText(d, 'client_name', 100);
  if (!clientName) throw new InvalidClientMetadata('client_name is required');
  const redirectUris = checkRedirectUriList(d.redirect_uris, InvalidClientMetadata);
  // §4.1: no shared secret can exist, so no client_secret and no secret-based authentication method
  if (d.client_secret !== undefined || d.client_secret_expires_at !== undefined)
    throw new InvalidClientMetadata('client_secret must not appear in a client metadata document');
  if (d.token_endpoint_auth_method !== undefined && d.token_endpoint_auth_method !== 'none')
    throw new InvalidClientMetadata('token_endpoint_auth_method must be none');
  // Shown to users only when well-formed; a document serves many servers, so extras are not errors.
  const link = (field: string) => {
    const v = d[field];
    return typeof v === 'string' && v.length <= 2000 && URL.canParse(v) && new URL(v).protocol === 'https:'
      ? v
      : undefined;
  };
  return {
    clientId: url,
    clientName,
    redirectUris,
    clientUri: link('client_uri'),
    logoUri: link('logo_uri'),
  };
}

/**
 * How long a fetched document may be reused, in seconds, from its response's caching headers
 * (RFC 9111 §4.2.1: s-maxage, then max-age, then Expires − Date), clamped to
 * [{@link METADATA_CACHE_MIN}, {@link METADATA_CACHE_MAX}]. No-store or no caching headers: the minimum.
 * @see https://www.ietf.org/archive/id/draft-ietf-oauth-client-id-metadata-document-00.html#section-4.4
 */
export function metadataCacheLifetime(
  headers: { cacheControl?: string | null; expires?: string | null; date?: string | null },
  now: Date,
): number {
  const directives = new Map<string, string>();
  for (const part of (headers.cacheControl ?? '').split(',')) {
    const [name, value = ''] = part.split('=', 2).map((s) => s.trim());
    if (name) directives.set(name.toLowerCase(), value.replace(/^"(.*)"$/, '$1'));
  }
  let seconds = 0;
  const age = (name: string) =>
    /^\d+$/.test(directives.get(name) ?? '') ? Number(directives.get(name)) : undefined;
  if (directives.has('no-store') || directives.has('no-cache')) seconds = 0;
  else if (age('s-maxage') !== undefined) seconds = age('s-maxage') as number;
  else if (age('max-age') !== undefined) seconds = age('max-age') as number;
  else if (headers.expires) {
    const expires = Date.parse(headers.expires);
    const date = headers.date ? Date.parse(headers.date) : Number.NaN;
    // RFC 9111 §5.3: an invalid Expires (such as "0") means already expired
    seconds = Number.isNaN(expires) ? 0 : (expires - (Number.isNaN(date) ? now.getTime() : date)) / 1000;
  }
  return Math.min(METADATA_CACHE_MAX, Math.max(METADATA_CACHE_MIN, Math.floor(seconds)));
}
