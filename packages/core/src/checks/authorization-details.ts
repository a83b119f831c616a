import { InvalidAuthorizationDetails } from '../errors';
import type { Scope } from '../scopes';

/** One `hal_project` entry of `authorization_details` (contract: "Rich Authorization Requests"). */
export type AuthorizationDetail = { type: 'hal_project'; project_id?: string; actions: string[] };

export const HAL_PROJECT_ACTIONS = ['read', 'write', 'widget:serve'] as const;
/** What each `hal_project` action lets the token do, as a scope of the catalogue. */
const ACTION_SCOPES: Record<(typeof HAL_PROJECT_ACTIONS)[number], Scope> = {
  read: 'projects:read',
  write: 'projects:write',
  'widget:serve': 'widget:serve',
};

const MAX_ENTRIES = 10;
const FIELDS = ['type', 'project_id', 'actions'];
const PROJECT_ID = /^proj_[0-9A-HJKMNP-TV-Z]{26}$/;
// RFC 6749 §5.2: error_description may only carry these characters, so only such values are echoed
const PRINTABLE = /^[\x20\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

const ACTIONS_MESSAGE = `authorization_details actions must be a non-empty subset of ${HAL_PROJECT_ACTIONS.join(', ')}`;

const fail = (description: string) => new InvalidAuthorizationDetails(description);
/** Names the offending value only when error_description may carry it. */
const naming = (description: string, value: string) =>
  PRINTABLE.test(value) ? `${description}: ${value}` : description;
const isAction = (a: unknown): a is keyof typeof ACTION_SCOPES =>
  typeof a === 'string' && Object.hasOwn(ACTION_SCOPES, a);

function parseEntry(entry: unknown): AuthorizationDetail {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw fail('authorization_details entries must be objects');
  }
  const { type, project_id, actions } = entry as Record<string, unknown>;
  // RFC 9396 §2: every entry MUST contain a type field, a string
  if (typeof type !== 'string') throw fail('authorization_details type is required');
  // RFC 9396 §5: an unknown type is invalid_authorization_details
  if (type !== 'hal_project') {
    throw fail(naming('unknown authorization_details type', type));
  }
  // RFC 9396 §5: the AS MUST refuse fields it does not understand for the type
  for (const field of Object.keys(entry)) {
    if (!FIELDS.includes(field)) throw fail(naming('unknown authorization_details field', field));
  }
  if (project_id !== undefined && (typeof project_id !== 'string' || !PROJECT_ID.test(project_id))) {
    throw fail('authorization_details project_id is malformed');
  }
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every(isAction)) {
    throw fail(ACTIONS_MESSAGE);
  }
  if (new Set(actions).size !== actions.length) throw fail('authorization_details actions must not repeat');
  return project_id === undefined
    ? { type, actions: [...actions] }
    : { type, project_id, actions: [...actions] };
}

/**
 * Parses `authorization_details` (a JSON string, or the value of a JSON body) into known entries.
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export function parseAuthorizationDetails(raw: unknown): AuthorizationDetail[] {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw fail('authorization_details is not valid JSON');
    }
  }
  // RFC 9396 §2: authorization_details is a JSON array of objects
  if (!Array.isArray(value) || value.length === 0) {
    throw fail('authorization_details must be a non-empty array');
  }
  if (value.length > MAX_ENTRIES) {
    throw fail(`authorization_details must have at most ${MAX_ENTRIES} entries`);
  }
  const details = value.map(parseEntry);
  // Contract "Scopes": an OAuth grant is bound to one project, so the entries may name at most one
  if (new Set(details.flatMap((d) => d.project_id ?? [])).size > 1) {
    throw fail('authorization_details must not name more than one project_id');
  }
  return details;
}

/**
 * True when the consent page must bind the grant to a project (any `hal_project` entry).
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-2
 */
export const detailsNeedProject = (details: readonly AuthorizationDetail[]) =>
  details.some((d) => d.type === 'hal_project');

/**
 * The catalogue scopes the granted details amount to, used to enforce what the token can do.
 * @see https://www.rfc-editor.org/rfc/rfc9396#section-3.1
 */
export function scopesFromDetails(details: readonly AuthorizationDetail[]): Scope[] {
  const scopes = new Set<Scope>();
  for (const detail of details) {
    for (const action of detail.actions) if (isAction(action)) scopes.add(ACTION_SCOPES[action]);
  }
  return [...scopes];
}
