import {
  decryptSecret,
  encryptSecret,
  HmacSha256Key,
  hasRole,
  newProjectId,
  newWidgetAppId,
  newWidgetSecret,
  PROJECT_POLICY,
} from '@hal/core';
import type { ProjectWithRole, Role, Stores } from '@hal/db';
import { conflict, forbidden, invalidRequest, notFound, ServiceError } from './errors';

/** The project as the API shows it (contract: `{ id, name, app_id, role, created_at }`). */
export const projectView = (p: ProjectWithRole) => ({
  id: p.id,
  name: p.name,
  app_id: p.appId,
  role: p.role,
  allowed_origins: p.allowedOrigins,
  require_user_jwt: p.requireUserJwt,
  created_at: p.createdAt.toISOString(),
});

const MAX_OPENED_SECRETS = 10_000;

// Binds each sealed secret to its project: a ciphertext copied onto another row will not open.
const aad = (projectId: string) => `widget-secret:${projectId}`;

/**
 * Projects and their roles; shared by the REST API and tRPC. `viewer.projectId` narrows an OAuth
 * token to the one project its grant is bound to.
 */
export function projectService(stores: Stores, secretKey: Uint8Array) {
  const { projects, audit } = stores;
  // Rotation seals a new value, so an entry never goes stale; the bound keeps memory flat.
  const openedSecrets = new Map<string, { secret: string; key: HmacSha256Key }>();
  type Viewer = { userId: string; projectId?: string };

  async function load(viewer: Viewer, id: string, needed: keyof typeof PROJECT_POLICY) {
    const project =
      viewer.projectId && viewer.projectId !== id ? undefined : await projects.forMember(id, viewer.userId);
    if (!project) throw notFound('project');
    if (!hasRole(project.role, PROJECT_POLICY[needed])) {
      throw forbidden(`this action needs the ${PROJECT_POLICY[needed]} role on the project`);
    }
    return project;
  }

  /**
   * The project's identity secret, in clear and as an HMAC key. Opened once per sealed value:
   * sign-identity and identify need it on every request. The row comes from the project caches,
   * which every process drops on a change (NOTIFY), so a rotated secret is used at once.
   */
  function opened(project: { id: string; widgetSecretSealed: string }) {
    // The project id is in the key: a sealed value copied onto another row must still not open.
    const id = `${project.id} ${project.widgetSecretSealed}`;
    let entry = openedSecrets.get(id);
    if (entry === undefined) {
      const secret = decryptSecret(project.widgetSecretSealed, secretKey, aad(project.id));
      entry = { secret, key: new HmacSha256Key(secret) };
      if (openedSecrets.size >= MAX_OPENED_SECRETS) openedSecrets.clear();
      openedSecrets.set(id, entry);
    }
    return entry;
  }

  /** The project's identity secret in clear (shown to its owners and admins). */
  const widgetSecret = (project: { id: string; widgetSecretSealed: string }) => opened(project).secret;

  async function lastOwnerGuard(id: string, memberId: string, current: Role, next: Role | null) {
    if (current !== 'owner' || next === 'owner') return;
    const owners = (await projects.members(id)).filter((m) => m.role === 'owner' && m.userId !== memberId);
    if (owners.length === 0) throw invalidRequest('a project must keep at least one owner');
  }

  return {
    load,
    widgetSecret,
    /** The project's identity secret as a key for HMAC signing and verification (`@hal/core`). */
    identityKey: (project: { id: string; widgetSecretSealed: string }) => opened(project).key,

    async create(userId: string, name: string) {
      const id = newProjectId();
      const sealed = encryptSecret(newWidgetSecret(), secretKey, aad(id));
      const project = await projects.create(
        { id, name, appId: newWidgetAppId(), widgetSecretSealed: sealed },
        userId,
      );
      await audit.write({ type: 'project.created', userId, projectId: id });
      return projectView(project);
    },

    async list(viewer: Viewer) {
      const all = await projects.listForMember(viewer.userId);
      return all.filter((p) => !viewer.projectId || p.id === viewer.projectId).map(projectView);
    },

    async get(viewer: Viewer, id: string) {
      return projectView(await load(viewer, id, 'read'));
    },

    async update(
      viewer: Viewer,
      id: string,
      patch: { name?: string; allowed_origins?: string[]; require_user_jwt?: boolean },
    ) {
      const project = await load(viewer, id, 'update');
      const row = await projects.update(id, {
        name: patch.name,
        allowedOrigins: patch.allowed_origins,
        requireUserJwt: patch.require_user_jwt,
      });
      await audit.write({
        type: 'project.updated',
        userId: viewer.userId,
        projectId: id,
        data: { fields: Object.keys(patch) },
      });
      return projectView({ ...project, ...row, role: project.role });
    },

    async remove(viewer: Viewer, id: string) {
      await load(viewer, id, 'delete');
      await projects.remove(id);
      await audit.write({ type: 'project.deleted', userId: viewer.userId, projectId: id });
    },

    async members(viewer: Viewer, id: string) {
      await load(viewer, id, 'read');
      return (await projects.members(id)).map((m) => ({
        user_id: m.userId,
        email: m.email,
        name: m.name,
        role: m.role,
        added_at: m.createdAt.toISOString(),
      }));
    },

    /** Adds an existing account to the project (admins and owners; only owners grant `owner`). */
    async addMember(viewer: Viewer, id: string, email: string, role: Role) {
      const project = await load(viewer, id, 'manageMembers');
      if (role === 'owner' && project.role !== 'owner') throw forbidden('only an owner can add an owner');
      const user = await stores.accounts.userByEmail(email);
      if (!user) throw new ServiceError('not_found', 'not_found', 'no account with this email');
      if (await projects.forMember(id, user.id))
        throw conflict('conflict', 'this account is already a member');
      await projects.setMember(id, user.id, role);
      await audit.write({
        type: 'project.member_added',
        userId: viewer.userId,
        projectId: id,
        data: { member: user.id, role },
      });
    },

    /** Changes a role; the last owner can never be demoted, and only owners touch `owner`. */
    async setRole(viewer: Viewer, id: string, memberId: string, role: Role) {
      const project = await load(viewer, id, 'manageMembers');
      const member = await projects.forMember(id, memberId);
      if (!member) throw notFound('member');
      if ((role === 'owner' || member.role === 'owner') && project.role !== 'owner') {
        throw forbidden('only an owner can grant or take away the owner role');
      }
      await lastOwnerGuard(id, memberId, member.role, role);
      await projects.setMember(id, memberId, role);
      await audit.write({
        type: 'project.role_changed',
        userId: viewer.userId,
        projectId: id,
        data: { member: memberId, role },
      });
    },

    /** Removes a member (admins and owners, or members leaving on their own). */
    async removeMember(viewer: Viewer, id: string, memberId: string) {
      const self = memberId === viewer.userId;
      const project = await load(viewer, id, self ? 'read' : 'manageMembers');
      const member = await projects.forMember(id, memberId);
      if (!member) throw notFound('member');
      if (member.role === 'owner' && project.role !== 'owner')
        throw forbidden('only an owner can remove an owner');
      await lastOwnerGuard(id, memberId, member.role, null);
      await projects.removeMember(id, memberId);
      await audit.write({
        type: 'project.member_removed',
        userId: viewer.userId,
        projectId: id,
        data: { member: memberId },
      });
    },

    /** Owners and admins may see the identity secret (audited). */
    async revealSecret(viewer: Viewer, id: string) {
      const project = await load(viewer, id, 'manageSecret');
      await audit.write({ type: 'project.secret_revealed', userId: viewer.userId, projectId: id });
      return { widget_secret: widgetSecret(project) };
    },

    /** A new identity secret, returned once; hashes signed before no longer verify. */
    async rotateSecret(viewer: Viewer, id: string) {
      await load(viewer, id, 'manageSecret');
      const secret = newWidgetSecret();
      await projects.update(id, { widgetSecretSealed: encryptSecret(secret, secretKey, aad(id)) });
      await audit.write({ type: 'project.secret_rotated', userId: viewer.userId, projectId: id });
      return { widget_secret: secret };
    },

    async identities(viewer: Viewer, id: string) {
      await load(viewer, id, 'read');
      return (await projects.identities(id)).map((i) => ({
        user_id: i.userId,
        name: i.name,
        email: i.email,
        first_seen_at: i.firstSeenAt.toISOString(),
        last_seen_at: i.lastSeenAt.toISOString(),
        count: i.count,
      }));
    },
  };
}

export type ProjectService = ReturnType<typeof projectService>;
