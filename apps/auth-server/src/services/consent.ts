import {
  AccessDenied,
  type AuthorizationRequest,
  bindDetailsToProject,
  hashToken,
  InvalidRequest,
  isLoopbackRedirectUri,
  newAuthorizationCode,
  newId,
  type OAuthClient,
  type ResourceRegistry,
} from '@hal/core';
import type { Stores } from '@hal/db';
import { AuthorizationPageError, type AuthorizationService, ClientRedirect } from './authorization';

// RFC 6749 §4.1.2: a maximum authorization code lifetime of 10 minutes is RECOMMENDED.
const CODE_TTL = 600;

/** A choice on the consent page that cannot be accepted: the page is shown again, the request stays. */
export class ConsentChoiceError extends Error {}

export interface ConsentView {
  requestId: string;
  app: {
    name: string;
    description: string;
    ownerName: string;
    logoUrl: string | null;
    /** False for clients HAL has not vetted: registered (RFC 7591) or metadata-document clients. */
    verified: boolean;
    /** A metadata-document client: the host that publishes its document (its client_id URL). */
    documentHost?: string;
  };
  scopes: string[];
  details: AuthorizationRequest['details'];
  /** RFC 8707: the names of the resources the access is for. */
  resources: string[];
  /** What registered resources say their scopes mean (HAL's own scopes have fixed words). */
  scopeDescriptions: Record<string, string>;
  redirectUri: string;
  /** True when every redirect URI of the client is on loopback: it runs on the user's own machine. */
  loopbackOnly: boolean;
  /** Present when a project must be picked: the user's projects where they are owner or admin. */
  projects?: { id: string; name: string }[];
  selectedProjectId?: string;
}

/** Where the user agent goes next: the client's redirect URI with these response parameters. */
export interface ClientResponse {
  redirectUri: string;
  params: Record<string, string | undefined>;
}

/**
 * The consent page and its answer (RFC 6749 §4.1.2): what a pending request asks for, on which
 * project, and the code or `access_denied` the user's decision sends back. Knows nothing of HTTP.
 */
export function consentService(
  stores: Stores,
  authorization: AuthorizationService,
  issuer: string,
  resources: ResourceRegistry,
  now: () => Date = () => new Date(),
) {
  const expiresIn = (seconds: number) => new Date(now().getTime() + seconds * 1000);
  const pendingFor = authorization.pending;

  /** Projects the user may connect: those where they are owner or admin (contract: project picker). */
  async function eligibleProjects(userId: string, client: OAuthClient) {
    const mine = await stores.projects.listForMember(userId);
    return mine
      .filter((p) => p.role === 'owner' || p.role === 'admin')
      .filter((p) => client.kind !== 'private' || p.id === client.projectId)
      .map((p) => ({ id: p.id, name: p.name }));
  }

  /** What the consent page of request `id` shows to `userId`. */
  async function view(id: string, userId: string): Promise<ConsentView> {
    const { pending, app, client } = await pendingFor(id, userId, true);
    const { request } = pending;
    let choices: ConsentView['projects'];
    if (request.needsProject) {
      choices = await eligibleProjects(userId, client);
      // A request naming a project the user cannot connect is refused, not silently changed.
      if (request.projectId && !choices.some((p) => p.id === request.projectId)) {
        await stores.requests.consume(id);
        const refusal = new InvalidRequest('project_id is not a project this user can authorize');
        throw new ClientRedirect(refusal, request.redirectUri, request.state);
      }
    }
    return {
      requestId: id,
      app: {
        name: app.name,
        description: app.description,
        ownerName: await stores.apps.ownerName(app.ownerId),
        logoUrl: app.logoUrl,
        verified: app.origin === 'owner',
        documentHost: app.origin === 'metadata_document' ? new URL(app.clientId).host : undefined,
      },
      scopes: request.scopes,
      details: request.details,
      ...(await resourcesOf(request.resources)),
      redirectUri: request.redirectUri,
      loopbackOnly: client.redirectUris.every(isLoopbackRedirectUri),
      projects: choices,
      selectedProjectId: request.projectId,
    };
  }

  /**
   * The user's answer on the consent page: a code for the client, or `access_denied`. A request
   * is answered once: the first submission wins, a replayed form finds nothing.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
   */
  async function decide(
    id: string,
    userId: string,
    answer: { decision: string | null | undefined; projectId?: string },
  ): Promise<ClientResponse> {
    const { pending, client } = await pendingFor(id, userId, false);
    const { request } = pending;
    if (answer.decision !== 'approve' && answer.decision !== 'deny')
      throw new AuthorizationPageError('Choose approve or deny.');
    const approve = answer.decision === 'approve';
    const projectId = approve && request.needsProject ? answer.projectId : undefined;
    if (approve && request.needsProject) {
      // A forged or foreign project_id is refused: only the user's own owner/admin projects. The
      // project a request names is only preselected; the user's choice wins (contract).
      const allowed = await eligibleProjects(userId, client);
      if (!projectId || !allowed.some((p) => p.id === projectId))
        throw new ConsentChoiceError('Choose one of your projects where you are an owner or admin.');
    }
    if (!(await stores.requests.consume(id)))
      throw new AuthorizationPageError('This authorization request was already answered.', 'gone');

    if (!approve) {
      await stores.audit.write({ type: 'oauth.denied', userId, appId: client.id });
      throw new ClientRedirect(
        new AccessDenied('the user denied the request'),
        request.redirectUri,
        request.state,
      );
    }
    const code = await issueCode(request, client, userId, projectId);
    // RFC 9207 §2: `iss` in every authorization response.
    return { redirectUri: request.redirectUri, params: { code, state: request.state, iss: issuer } };
  }

  /**
   * What the consent page calls the resources of a request (their identifiers when unknown by
   * now), and what registered ones say their scopes mean.
   */
  async function resourcesOf(identifiers: readonly string[]) {
    if (identifiers.length === 0) return { resources: [resources.fallback.name], scopeDescriptions: {} };
    const found = await Promise.all(identifiers.map((id) => resources.resolveResource(id)));
    // Contract: a registered resource is named with its owner, who the user trusts by consenting.
    const names = found.map((resource, i) =>
      !resource
        ? (identifiers[i] as string)
        : resource.owner
          ? `${resource.name} (registered by ${resource.owner})`
          : resource.name,
    );
    const scopeDescriptions = Object.assign({}, ...found.map((r) => r?.scopeDescriptions ?? {}));
    return { resources: names, scopeDescriptions };
  }

  /** Records the grant the user approved and issues its one-time code. */
  async function issueCode(
    request: AuthorizationRequest,
    client: OAuthClient,
    userId: string,
    projectId: string | undefined,
  ) {
    const details = bindDetailsToProject(request.details, projectId);
    const grant = await stores.grants.upsert({
      id: newId(),
      userId,
      appId: client.id,
      projectId: projectId ?? null,
      scopes: request.scopes,
      details: details.length ? details : null,
      resources: request.resources,
    });
    const code = newAuthorizationCode();
    await stores.oauth.createCode({
      codeHash: hashToken(code),
      grantId: grant.id,
      appId: client.id,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      codeChallenge: request.codeChallenge,
      scopes: request.scopes,
      authorizationDetails: details.length ? details : null,
      resources: request.resources,
      expiresAt: expiresIn(CODE_TTL),
    });
    await stores.audit.write({
      type: 'oauth.approved',
      userId,
      appId: client.id,
      projectId: projectId ?? null,
      data: { grant_id: grant.id, scopes: request.scopes, resources: request.resources },
    });
    return code;
  }

  return { view, decide };
}

export type ConsentService = ReturnType<typeof consentService>;
