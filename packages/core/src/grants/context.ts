import type { ResourceRegistry } from '../resources';
import type { OAuthStore } from '../store';

/** What every grant needs from the outside world, injected by the server. */
export interface GrantContext {
  store: OAuthStore;
  issuer: string;
  /** RFC 8707: the resources tokens may be requested for; RFC 9068 §2.2 `aud` names them. */
  resources: ResourceRegistry;
  /** Refresh token lifetime, seconds. */
  refreshTokenTtl: number;
  /** Signs RFC 9068 claims as an `at+jwt` for `ttl` seconds. */
  signAccessToken(claims: Record<string, unknown>, ttl: number): Promise<string>;
  /** AES-GCM sealing for the raw successor refresh token kept during a reuse grace period. */
  seal(value: string): string;
  open(sealed: string): string;
  /** Contract: extra token-response fields for grants including `widget:serve`. */
  widgetFields(projectId: string): { widget_script_url: string; api_base_url: string };
  /** The legacy private project client's exchange needs the project's widget credentials. */
  widgetCredentials(projectId: string): Promise<{ app_id: string; widget_secret: string }>;
  /**
   * What the token's registered resources add (contract "Registered resource servers"): their
   * access token lifetime and, when `profile` was granted, the user's `email` and `name`.
   * Undefined when it knows at once that there is nothing to add (no registered resource).
   */
  resourceExtras?(
    audience: readonly string[],
    scopes: readonly string[],
    userId: string | undefined,
  ): Promise<{ ttl?: number; claims?: Record<string, unknown> }> | undefined;
  now(): Date;
  /**
   * The request's statement scope (opaque here), handed to the store with each write, for a grant
   * that runs outside the request's ambient scope (the token endpoint's client_credentials and
   * refresh_token: a scope running makes every promise of the process dearer).
   */
  scope?: unknown;
}
