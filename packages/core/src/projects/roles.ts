/** Project roles, strongest first. */
export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

const rank = (role: Role) => ROLES.length - ROLES.indexOf(role);

/** True when `role` is at least `needed` (owner ⊇ admin ⊇ member). */
export const hasRole = (role: Role, needed: Role) => rank(role) >= rank(needed);

/** What each project action needs (contract: PATCH needs owner or admin, DELETE needs owner). */
export const PROJECT_POLICY = {
  read: 'member',
  update: 'admin',
  manageSecret: 'admin',
  manageMembers: 'admin',
  /** Private project clients (contract: created in the project's settings by an owner or admin). */
  manageClients: 'admin',
  delete: 'owner',
} as const satisfies Record<string, Role>;
