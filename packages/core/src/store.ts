import type { AuthorizationDetail } from './checks/authorization-details';
import type { GrantRecord } from './oauth-types';

export interface CodeRecord {
  codeHash: string;
  grantId: string;
  appId: string;
  redirectUri: string;
  redirectUriGiven: boolean;
  codeChallenge: string;
  scopes: string[];
  authorizationDetails: AuthorizationDetail[] | null;
  /** RFC 8707: the resources approved with this code; empty for codes issued before them. */
  resources: string[];
  expiresAt: Date;
}

export interface RefreshRecord {
  id: string;
  grantId: string;
  appId: string;
  codeHash: string | null;
  scopes: string[];
  /** RFC 8707 §2.2: the resources of the whole grant, kept across rotations; empty for older tokens. */
  resources: string[];
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  replacedById: string | null;
  successorSealed: string | null;
}

export interface NewRefreshToken {
  id: string;
  tokenHash: string;
  expiresAt: Date;
  /** Sealed raw value, kept on the rotated row only when the app has a reuse grace period. */
  sealed: string | null;
}

export type Redemption = { status: 'redeemed' | 'replayed'; code: CodeRecord } | undefined;
export type Rotation =
  | { status: 'rotated'; token: RefreshRecord; grant: GrantRecord }
  | { status: 'reused'; token: RefreshRecord; grant: GrantRecord; successorLive: boolean }
  /** Live, but the request asked for more than it holds ({@link RotationBounds}): not rotated. */
  | { status: 'refused'; token: RefreshRecord; grant: GrantRecord }
  | { status: 'invalid' };

/**
 * What a refresh request asks for, checked in the rotating statement so that a request for more
 * than the token holds leaves it unspent. Empty lists ask for nothing in particular.
 */
export interface RotationBounds {
  /** RFC 6749 §6: every one must be among the token's scopes. */
  scopes: string[];
  /** RFC 8707 §2.2: every one must be among the token's resources (`fallback` when it recorded none). */
  resources: string[];
  fallback: string;
  /**
   * With `resources`: the scopes they define; the access token's scopes (`scopes`, or else the
   * token's) must include one of them unless they are none at all.
   */
  definedScopes: string[] | null;
}

/**
 * The storage the grants need (implemented in packages/db). Single use and rotation are atomic:
 * one conditional UPDATE decides the winner; the store never reads and then writes.
 */
export interface OAuthStore {
  /** Marks the code consumed; `replayed` when it had been consumed before. */
  redeemCode(codeHash: string): Promise<Redemption>;
  /** Revokes every access and refresh token issued from a code. */
  revokeIssuedFromCode(codeHash: string): Promise<void>;
  grant(id: string): Promise<GrantRecord | undefined>;
  saveAccessToken(
    token: {
      jti: string;
      grantId: string | null;
      appId: string;
      userId: string;
      codeHash: string | null;
      expiresAt: Date;
    },
    /** The request's statement scope, when the grant runs outside the ambient one (see GrantContext). */
    scope?: unknown,
  ): Promise<void>;
  createRefreshToken(
    token: NewRefreshToken & {
      grantId: string;
      appId: string;
      codeHash: string | null;
      scopes: string[];
      /** RFC 8707: the grant's resources; absent or empty means the fallback resource. */
      resources?: string[];
    },
  ): Promise<void>;
  /**
   * Rotates a live refresh token of `appId` into `successor` (same grant, scopes, resources, origin
   * code) and, in the same atomic step, records `accessToken` under the grant as `saveAccessToken`
   * would; only when the request stays within `bounds` (else `refused`, the token left live).
   */
  rotateRefreshToken(
    tokenHash: string,
    appId: string,
    successor: NewRefreshToken,
    accessToken: { jti: string; expiresAt: Date },
    bounds: RotationBounds,
    scope?: unknown,
  ): Promise<Rotation>;
  /** Revokes the grant and every token issued under it. */
  revokeGrant(grantId: string, scope?: unknown): Promise<void>;
  audit(
    event: {
      type: string;
      userId?: string | null;
      appId?: string;
      projectId?: string | null;
      data?: Record<string, unknown>;
    },
    scope?: unknown,
  ): Promise<void>;
}
