// The scope catalogue (contract: "Scopes"), also published as `@hal/core/scopes` for the dashboard:
// this module runs in the browser, so it imports nothing (above all nothing from node:).

/** Scopes about the user, never bound to a project. */
export const USER_SCOPES = ['profile', 'apps:read', 'apps:write'] as const;
/** Scopes that act on one project: a grant with any of them is bound to a project. */
export const PROJECT_SCOPES = ['projects:read', 'projects:write', 'widget:serve'] as const;
/** Personal access tokens use the OAuth catalogue plus `tokens:write`; they are not project-bound. */
export const PAT_SCOPES = [...USER_SCOPES, ...PROJECT_SCOPES, 'tokens:write'] as const;

export type Scope = (typeof PAT_SCOPES)[number];
/** What an OAuth app may be allowed and a client may request (every scope but `tokens:write`). */
export const OAUTH_SCOPES: readonly Scope[] = [...USER_SCOPES, ...PROJECT_SCOPES];

export const isScope = (s: string): s is Scope => (PAT_SCOPES as readonly string[]).includes(s);
export const isProjectScope = (s: string) => (PROJECT_SCOPES as readonly string[]).includes(s);

/** Plain-words descriptions shown on the consent page and in the dashboard. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  profile: 'See your name and email address',
  'apps:read': 'See the OAuth apps you registered',
  'apps:write': 'Register, change and delete your OAuth apps',
  'projects:read': 'See the project and its settings',
  'projects:write': 'Change the project and its settings',
  'widget:serve': 'Sign widget identities for the project',
  'tokens:write': 'Manage your personal access tokens',
};

/** RFC 6749 §3.3: scope is a space-delimited list; order is irrelevant, duplicates collapse. */
export function parseScope(value: string | undefined | null): string[] {
  if (!value) return [];
  return [...new Set(value.split(' ').filter(Boolean))];
}

export const formatScope = (scopes: readonly string[]) => scopes.join(' ');
