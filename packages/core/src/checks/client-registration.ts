import { hashToken } from '../crypto';
import { InvalidClientMetadata, InvalidRedirectUri, type OAuthError } from '../errors';
import { OAUTH_SCOPES, parseScope } from '../scopes';
import { validateRegisteredRedirectUri } from './redirect-uri';

export const REGISTRATION_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
export type RegistrationAuthMethod = (typeof REGISTRATION_AUTH_METHODS)[number];
/** What a registered client may use: it has no owner to act for, so no client_credentials. */
const GRANT_TYPES = ['authorization_code', 'refresh_token'];
const MAX_REDIRECT_URIS = 20;

/** A registration request HAL accepts, with RFC 7591 §2's defaults filled in. */
export interface ClientRegistration {
  clientName?: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: RegistrationAuthMethod;
  grantTypes: string[];
  responseTypes: string[];
  /** The scopes the client may request: those it registered, or every OAuth scope. */
  scopes: string[];
  clientUri?: string;
  logoUri?: string;
  softwareId?: string;
  softwareVersion?: string;
}

/** A string field of at most `max` characters (PostgreSQL text holds no NUL), or undefined when absent. */
export function optionalText(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.includes('\0') || value.length > max)
    throw new InvalidClientMetadata(`${field} must be a string of at most ${max} characters`);
  return value.trim() || undefined;
}

/** An https URL field shown to users (`client_uri`, `logo_uri`), or undefined when absent. */
function optionalHttpsUrl(body: Record<string, unknown>, field: string): string | undefined {
  const value = optionalText(body, field, 2000);
  if (value !== undefined && !(URL.canParse(value) && new URL(value).protocol === 'https:'))
    throw new InvalidClientMetadata(`${field} must be an https URL`);
  return value;
}

/** A list of strings out of `allowed`, or `fallback` when absent. */
function subsetOf(
  body: Record<string, unknown>,
  field: string,
  allowed: readonly string[],
  fallback: string[],
) {
  const value = body[field];
  if (value === undefined || value === null) return fallback;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new InvalidClientMetadata(`${field} must be an array of strings`);
  for (const v of value as string[])
    if (!allowed.includes(v))
      throw new InvalidClientMetadata(`${field} value is not supported: ${v.slice(0, 64)}`);
  return [...new Set(value as string[])];
}

/**
 * Checks the redirect URIs a client registers: at least one, each acceptable to HAL.
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function checkRedirectUriList(
  value: unknown,
  error: new (description: string) => OAuthError = InvalidRedirectUri,
): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string'))
    throw new error('redirect_uris must be a non-empty array of strings');
  if (value.length > MAX_REDIRECT_URIS)
    throw new error(`redirect_uris must hold at most ${MAX_REDIRECT_URIS} URIs`);
  value.forEach((uri: string, i) => {
    const problem = uri.includes('\0')
      ? 'redirect_uri must be an absolute URL'
      : validateRegisteredRedirectUri(uri);
    if (problem) throw new error(`redirect_uris.${i}: ${problem}`);
  });
  return [...new Set(value as string[])];
}

/**
 * Validates a dynamic client registration request (RFC 7591 §2, §3.1); throws
 * `invalid_redirect_uri` or `invalid_client_metadata` (RFC 7591 §3.2.2).
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.1
 */
export function checkClientRegistration(body: unknown): ClientRegistration {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new InvalidClientMetadata('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  // RFC 7591 §2: the server MUST ignore client metadata it does not understand, so only these are read.
  const redirectUris = checkRedirectUriList(b.redirect_uris);
  const method = b.token_endpoint_auth_method ?? 'client_secret_basic'; // RFC 7591 §2: the default
  if (typeof method !== 'string' || !(REGISTRATION_AUTH_METHODS as readonly string[]).includes(method))
    throw new InvalidClientMetadata(
      `token_endpoint_auth_method must be one of ${REGISTRATION_AUTH_METHODS.join(', ')}`,
    );
  const grantTypes = subsetOf(b, 'grant_types', GRANT_TYPES, [...GRANT_TYPES]);
  const responseTypes = subsetOf(b, 'response_types', ['code'], ['code']);
  // RFC 7591 §2.1: response type `code` goes with the authorization_code grant, and HAL has no other.
  if (!grantTypes.includes('authorization_code') || !responseTypes.includes('code'))
    throw new InvalidClientMetadata('grant_types must include authorization_code and response_types code');
  const scope = optionalText(b, 'scope', 1000);
  const scopes = scope === undefined ? [...OAUTH_SCOPES] : parseScope(scope);
  const unknown = scopes.find((s) => !(OAUTH_SCOPES as readonly string[]).includes(s));
  if (unknown !== undefined)
    throw new InvalidClientMetadata(`scope is not supported: ${unknown.slice(0, 64)}`);
  if (!scopes.length) throw new InvalidClientMetadata('scope must name at least one scope');
  return {
    clientName: optionalText(b, 'client_name', 100),
    redirectUris,
    tokenEndpointAuthMethod: method as RegistrationAuthMethod,
    grantTypes,
    responseTypes,
    scopes,
    clientUri: optionalHttpsUrl(b, 'client_uri'),
    logoUri: optionalHttpsUrl(b, 'logo_uri'),
    softwareId: optionalText(b, 'software_id', 200),
    softwareVersion: optionalText(b, 'software_version', 200),
  };
}

/**
 * The registered metadata as RFC 7591 §3.2.1 returns it (the server's defaults included), and as
 * HAL keeps it to answer an identical registration again.
 */
export function registeredMetadata(r: ClientRegistration): Record<string, unknown> {
  return {
    ...(r.clientName !== undefined && { client_name: r.clientName }),
    redirect_uris: r.redirectUris,
    token_endpoint_auth_method: r.tokenEndpointAuthMethod,
    grant_types: r.grantTypes,
    response_types: r.responseTypes,
    scope: r.scopes.join(' '),
    ...(r.clientUri !== undefined && { client_uri: r.clientUri }),
    ...(r.logoUri !== undefined && { logo_uri: r.logoUri }),
    ...(r.softwareId !== undefined && { software_id: r.softwareId }),
    ...(r.softwareVersion !== undefined && { software_version: r.softwareVersion }),
  };
}

/**
 * What makes two public registrations "identical" (contract: same name, redirect URIs, software
 * id): a repeat is answered with the existing client instead of a new one.
 */
export function publicRegistrationFingerprint(r: ClientRegistration): string {
  return hashToken(JSON.stringify([r.clientName ?? null, [...r.redirectUris].sort(), r.softwareId ?? null]));
}
