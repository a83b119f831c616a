// What the authorization URL builder holds, and the authorization request it amounts to.

/** A `hal_project` entry of `authorization_details` (contract: Rich Authorization Requests). */
export interface HalProjectDetail {
  type: 'hal_project';
  project_id?: string;
  actions: string[];
}

/** The `hal_project` actions and the scope each one needs among the app's allowed scopes. */
export const PROJECT_ACTIONS = [
  ['read', 'projects:read'],
  ['write', 'projects:write'],
  ['widget:serve', 'widget:serve'],
] as const;

/** One app's code flow as the developer set it up in the builder. */
export interface FlowSettings {
  /** The metadata `issuer` (RFC 8414), which the redirect's `iss` must equal (RFC 9207). */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  appName: string;
  clientId: string;
  /** Confidential apps authenticate with client_secret_basic; public ones send client_id. */
  confidential: boolean;
  /** A private project client: its code exchange returns the project's widget secret. */
  privateClient: boolean;
  redirectUri: string;
  scopes: string[];
  details: HalProjectDetail[];
  resources: string[];
  /** The page's own `state` and PKCE pair, used by the URL it shows and the curl steps. */
  state: string;
  codeVerifier: string;
  codeChallenge: string;
}

/** HAL's REST API resource (RFC 8707), the audience `/api/v1` accepts. */
export const apiResource = (s: Pick<FlowSettings, 'issuer'>) => `${s.issuer}/api`;
export const meUrl = (s: Pick<FlowSettings, 'issuer'>) => `${s.issuer}/api/v1/auth/me`;

/**
 * Whether the tokens can call GET /api/v1/auth/me: it needs `profile` and a token for HAL's API
 * (the default audience when no resource is requested).
 */
export const callsMe = (s: FlowSettings) =>
  !s.privateClient &&
  s.scopes.includes('profile') &&
  (s.resources.length === 0 || s.resources.includes(apiResource(s)));

/** Why the request would be refused before it reaches the user, or undefined. */
export function requestProblem(s: FlowSettings): string | undefined {
  if (s.scopes.length === 0 && s.details.length === 0)
    return 'Pick at least one scope or a project with actions: HAL refuses a request with neither.';
  if (s.details.some((d) => d.actions.length === 0)) return 'Pick at least one action for the project.';
  return undefined;
}

/** The request parameters a client sends, without its per-attempt `state` and PKCE challenge. */
export function requestParams(s: FlowSettings): [string, string][] {
  const params: [string, string][] = [
    ['response_type', 'code'],
    ['client_id', s.clientId],
    ['redirect_uri', s.redirectUri],
  ];
  if (s.scopes.length > 0) params.push(['scope', s.scopes.join(' ')]);
  if (s.details.length > 0) params.push(['authorization_details', JSON.stringify(s.details)]);
  // RFC 8707 §2: `resource` repeats, one absolute URI each.
  for (const resource of s.resources) params.push(['resource', resource]);
  return params;
}

/**
 * The authorization URL with the page's `state` and S256 challenge.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 */
export function authorizationUrl(s: FlowSettings): string {
  const query = new URLSearchParams([
    ...requestParams(s),
    ['state', s.state],
    ['code_challenge', s.codeChallenge],
    ['code_challenge_method', 'S256'],
  ]);
  return `${s.authorizationEndpoint}?${query}`;
}

/** A one-line label for comments: no line breaks from an app's name can end the comment. */
export const oneLine = (text: string) => text.replace(/[\r\n\u2028\u2029]+/g, ' ').slice(0, 100);
