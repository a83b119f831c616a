import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import ipaddr from 'ipaddr.js';

// draft-ietf-oauth-client-id-metadata-document-00 §6.6: 5 kilobytes is a reasonable maximum size.
export const MAX_DOCUMENT_BYTES = 5 * 1024;
export const FETCH_TIMEOUT_MS = 5_000;
const JSON_TYPE = /^application\/(?:json|[\w.+-]+\+json)\s*(?:;|$)/i;
// Cloud metadata services that sit on otherwise ordinary-looking ranges, refused by name.
const METADATA_SERVICES = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192']);

/** Why a document could not be fetched, in words for the person who tried to authorize. */
export class MetadataFetchError extends Error {}

/** A fetched document: its JSON and the headers that say how long it may be cached. */
export interface FetchedDocument {
  body: unknown;
  cacheControl?: string;
  expires?: string;
  date?: string;
}

export type MetadataFetcher = (url: URL) => Promise<FetchedDocument>;
/** Every address a host name resolves to. */
export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * True when HAL may connect to `address`: a public unicast address; loopback too when
 * `allowLoopback`. Private, link-local, unique-local, carrier-grade NAT, reserved, multicast,
 * the IPv4 embedded in IPv4-mapped IPv6, and cloud metadata addresses are refused.
 */
export function isFetchableAddress(address: string, allowLoopback: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
  const range = ip.range();
  if (range === 'loopback') return allowLoopback;
  return range === 'unicast' && !METADATA_SERVICES.has(ip.toString());
}

/**
 * The fetcher of client ID metadata documents, guarded against server-side request forgery
 * (draft-ietf-oauth-client-id-metadata-document-00 §6.5): https only; the host's addresses are
 * resolved once, every one must be public, and the connection goes to a checked one (a second DNS
 * answer cannot rebind it); no redirects; at most 5 KiB, within 5 s. `allowLocal`
 * (HAL_CIMD_ALLOW_LOCAL) also allows http and loopback, for development and tests.
 */
export function metadataFetcher(options: {
  allowLocal: boolean;
  resolve?: Resolver;
  timeoutMs?: number;
  maxBytes?: number;
}): MetadataFetcher {
  const { allowLocal, resolve = systemResolver } = options;
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? MAX_DOCUMENT_BYTES;

  return async (url) => {
    if (url.protocol !== 'https:' && !(allowLocal && url.protocol === 'http:'))
      throw new MetadataFetchError('the document URL must use https');
    const signal = AbortSignal.timeout(timeoutMs);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await Promise.race([resolve(host), rejectOnAbort(signal, timeoutMs)]);
    } catch (error) {
      if (error instanceof MetadataFetchError) throw error;
      throw new MetadataFetchError('its host could not be resolved');
    }
    const address = addresses[0];
    if (!address || !addresses.every((a) => isFetchableAddress(a, allowLocal)))
      throw new MetadataFetchError('its host is not a public internet address');
    return get(url, address, { allowLocal, signal, timeoutMs, maxBytes });
  };
}

function rejectOnAbort(signal: AbortSignal, timeoutMs: number): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(timedOut(timeoutMs)), { once: true }),
  );
}

const timedOut = (ms: number) => new MetadataFetchError(`it did not answer within ${ms / 1000} s`);

/** One GET to `address` (already checked) for `url`, with TLS still verifying `url`'s host name. */
function get(
  url: URL,
  address: string,
  o: { allowLocal: boolean; signal: AbortSignal; timeoutMs: number; maxBytes: number },
): Promise<FetchedDocument> {
  // The socket connects to the checked address and nothing else, whatever DNS says meanwhile.
  const pinned: LookupFunction = (_host, opts, callback) => {
    const family = isIP(address);
    if (opts.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const options: RequestOptions = {
    method: 'GET',
    headers: { accept: 'application/json', 'user-agent': 'HAL (client metadata fetch)' },
    lookup: pinned,
    agent: false,
    signal: o.signal,
  };
  return new Promise((resolve, reject) => {
    const unreachable = () =>
      o.signal.aborted ? timedOut(o.timeoutMs) : new MetadataFetchError('it could not be reached');
    const fail = (error: unknown) => {
      req.destroy();
      reject(error instanceof MetadataFetchError ? error : unreachable());
    };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) =>
      read(res, o.maxBytes).then(resolve, fail),
    );
    req.on('socket', (socket: Socket) =>
      socket.once('connect', () => {
        // Belt and braces: the peer really is the address that was checked.
        if (!isFetchableAddress(socket.remoteAddress ?? '', o.allowLocal))
          fail(new MetadataFetchError('its host is not a public internet address'));
      }),
    );
    req.on('error', () => reject(unreachable()));
    req.end();
  });
}

/** Reads a 200 JSON answer of at most `maxBytes`; anything else is refused. */
async function read(res: IncomingMessage, maxBytes: number): Promise<FetchedDocument> {
  const status = res.statusCode ?? 0;
  // §4: redirects are not followed, and only 200 is a document
  const refuse = (message: string) => new MetadataFetchError(message);
  if (status >= 300 && status < 400) throw refuse('it redirects, and redirects are not followed');
  if (status !== 200) throw refuse(`it answered HTTP ${status}`);
  if (!JSON_TYPE.test(res.headers['content-type'] ?? ''))
    throw refuse('its content type must be application/json');
  const tooLarge = `the document is larger than ${maxBytes / 1024} KiB`;
  if (Number(res.headers['content-length'] ?? 0) > maxBytes) throw refuse(tooLarge);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw refuse(tooLarge); // stop reading: the caller destroys the request
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw refuse('the document is not valid JSON');
  }
  const header = (name: string) => {
    const value = res.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { body, cacheControl: header('cache-control'), expires: header('expires'), date: header('date') };
}
