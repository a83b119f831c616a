import {
  type AuthorizationDetail,
  detailsNeedProject,
  parseAuthorizationDetails,
  scopesFromDetails,
} from '../checks/authorization-details';
import { checkCodeChallenge } from '../checks/pkce';
import { matchRedirectUri } from '../checks/redirect-uri';
import { checkResourceScopes, foreignScopes, requestedResources } from '../checks/resource';
import { checkRequestedScopes } from '../checks/scope';
import { InvalidAuthorizationDetails, InvalidRequest, UnsupportedResponseType } from '../errors';
import type { OAuthClient } from '../oauth-types';
import { AUTHORIZE_PARAMS, type Params } from '../params';
import type { ResourceRegistry } from '../resources';
import { isProjectScope, parseScope } from '../scopes';

const PROJECT_ID = /^proj_[0-9A-HJKMNP-TV-Z]{26}$/;

/** An authorization request error that must NOT redirect (RFC 6749 §4.1.2.1): shown to the user. */
export class UnsafeRedirectError extends Error {}

/** A validated authorization request, ready for consent. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  redirectUriGiven: boolean;
  state?: string;
  scopes: string[];
  details: AuthorizationDetail[];
  /** RFC 8707: the identifiers of the resources the token is for (the fallback when none was named). */
  resources: string[];
  codeChallenge: string;
  /** The project the request names (query or details), if any. */
  projectId?: string;
  /** True when the user must pick a project (project-level scope, hal_project detail, private client). */
  needsProject: boolean;
}

/**
 * Finds where errors may be sent: unknown clients and unregistered redirect URIs are never
 * redirected to (RFC 6749 §4.1.2.1, RFC 9700 §4.1.3).
 */
export function resolveRedirectUri(params: Params, client: OAuthClient | undefined): string {
  if (params.isRepeated('client_id')) throw new UnsafeRedirectError('client_id is repeated');
  if (!client) throw new UnsafeRedirectError('client_id is missing or unknown');
  if (params.isRepeated('redirect_uri')) throw new UnsafeRedirectError('redirect_uri is repeated');
  const uri = matchRedirectUri(params.get('redirect_uri'), client.redirectUris);
  if (!uri) throw new UnsafeRedirectError('redirect_uri is not registered for this client');
  return uri;
}

/**
 * Validates everything else of an authorization request; errors thrown here are redirected.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.1
 */
export async function checkAuthorizationRequest(
  params: Params,
  client: OAuthClient,
  redirectUri: string,
  registry: ResourceRegistry,
): Promise<AuthorizationRequest> {
  params.assertNoRepeats(AUTHORIZE_PARAMS);
  const responseType = params.get('response_type');
  if (!responseType) throw new InvalidRequest('response_type is required');
  if (responseType !== 'code') throw new UnsupportedResponseType('response_type must be code');
  // RFC 9700 §2.1.1: PKCE with S256 for every client.
  const codeChallenge = params.get('code_challenge');
  checkCodeChallenge(codeChallenge, params.get('code_challenge_method'));

  const scopes = parseScope(params.get('scope'));
  const rawDetails = params.get('authorization_details');
  // RFC 6749 §3.3: a scope is one or more tokens; blanks alone request nothing.
  if (scopes.length === 0 && !rawDetails)
    throw new InvalidRequest('scope or authorization_details is required');
  const resources = await requestedResources(params.all('resource'), registry);
  checkRequestedScopes(scopes, client.allowedScopes, foreignScopes(resources));
  const details = rawDetails ? parseAuthorizationDetails(rawDetails) : [];
  const detailScopes = scopesFromDetails(details);
  for (const scope of detailScopes) {
    if (!client.allowedScopes.includes(scope)) {
      throw new InvalidAuthorizationDetails(
        `authorization_details action not allowed for this client: ${scope}`,
      );
    }
  }
  checkResourceScopes([...scopes, ...detailScopes], resources);

  const named = new Set<string>();
  const projectParam = params.get('project_id');
  if (projectParam !== undefined) {
    if (!PROJECT_ID.test(projectParam)) throw new InvalidRequest('project_id is malformed');
    named.add(projectParam);
  }
  for (const d of details) if (d.project_id) named.add(d.project_id);
  if (client.kind === 'private' && client.projectId) named.add(client.projectId);
  if (named.size > 1) throw new InvalidRequest('project_id conflicts with the project of the request');

  return {
    clientId: client.clientId,
    redirectUri,
    redirectUriGiven: params.get('redirect_uri') !== undefined,
    state: params.get('state'),
    scopes,
    details,
    resources: resources.map((r) => r.identifier),
    codeChallenge: codeChallenge as string,
    projectId: [...named][0],
    needsProject: client.kind === 'private' || scopes.some(isProjectScope) || detailsNeedProject(details),
  };
}

/** The granted details with the chosen project filled in (RFC 9396 §7: the server may enrich them). */
export function bindDetailsToProject(
  details: AuthorizationDetail[],
  projectId: string | undefined,
): AuthorizationDetail[] {
  return details.map((d) => (d.type === 'hal_project' && projectId ? { ...d, project_id: projectId } : d));
}
