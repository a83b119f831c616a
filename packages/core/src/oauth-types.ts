import type { AuthorizationDetail } from './checks/authorization-details';

/** An OAuth client as the protocol sees it (stored as an app in packages/db). */
export interface OAuthClient {
  /** Internal app id. */
  id: string;
  clientId: string;
  /** The HAL user who created the app; null for registered (RFC 7591) and metadata-document clients. */
  ownerId: string | null;
  clientType: 'public' | 'confidential';
  /** `private`: a legacy project client bound to `projectId`. */
  kind: 'public' | 'private';
  projectId: string | null;
  redirectUris: readonly string[];
  allowedScopes: readonly string[];
  accessTokenTtl: number;
  refreshReuseGrace: number;
}

/** What a user approved for a client: one per user × client × project. */
export interface GrantRecord {
  id: string;
  userId: string;
  appId: string;
  projectId: string | null;
  scopes: string[];
  authorizationDetails: AuthorizationDetail[] | null;
  revokedAt: Date | null;
}

/** RFC 6749 §5.1 token response, with RFC 9396 details and the widget fields of a `widget:serve` grant. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope: string;
  authorization_details?: AuthorizationDetail[];
  project_id?: string;
  widget_script_url?: string;
  api_base_url?: string;
}

/** The legacy private project client's code exchange: the project's widget credentials instead of tokens. */
export interface WidgetSecretResponse {
  app_id: string;
  widget_secret: string;
  project_id: string;
  token_type: 'widget_secret';
}
