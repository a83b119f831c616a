import { describe, expect, it } from 'vitest';
import { InvalidAuthorizationDetails, type OAuthError } from '../errors';
import {
  type AuthorizationDetail,
  detailsNeedProject,
  parseAuthorizationDetails,
  scopesFromDetails,
} from './authorization-details';

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as OAuthError;
  }
  throw new Error('expected an error');
};

const PROJECT = 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W2';
const OTHER_PROJECT = 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W3';
const ACTIONS_MESSAGE =
  'authorization_details actions must be a non-empty subset of read, write, widget:serve';

describe('parseAuthorizationDetails', () => {
  it('parses the JSON string form of an authorization request (RFC 9396 §2)', () => {
    const raw = JSON.stringify([
      { type: 'hal_project', project_id: PROJECT, actions: ['read', 'widget:serve'] },
    ]);
    expect(parseAuthorizationDetails(raw)).toEqual([
      { type: 'hal_project', project_id: PROJECT, actions: ['read', 'widget:serve'] },
    ]);
  });

  it('parses the array of a JSON body, leaving project_id out when the user is to pick one', () => {
    expect(parseAuthorizationDetails([{ type: 'hal_project', actions: ['write'] }])).toEqual([
      { type: 'hal_project', actions: ['write'] },
    ]);
  });

  it('accepts several entries for the same project', () => {
    const details = [
      { type: 'hal_project', project_id: PROJECT, actions: ['read'] },
      { type: 'hal_project', actions: ['widget:serve'] },
    ];
    expect(parseAuthorizationDetails(details)).toEqual(details);
  });

  it('accepts ten entries', () => {
    const details = Array.from({ length: 10 }, () => ({ type: 'hal_project', actions: ['read'] }));
    expect(parseAuthorizationDetails(details)).toHaveLength(10);
  });

  it.each<[string, unknown, string]>([
    ['a truncated JSON string', '[{"type":"hal_project"', 'authorization_details is not valid JSON'],
    ['an empty string', '', 'authorization_details is not valid JSON'],
    ['an empty array', '[]', 'authorization_details must be a non-empty array'],
    [
      'a JSON object',
      '{"type":"hal_project","actions":["read"]}',
      'authorization_details must be a non-empty array',
    ],
    ['JSON null', 'null', 'authorization_details must be a non-empty array'],
    [
      'a body object',
      { type: 'hal_project', actions: ['read'] },
      'authorization_details must be a non-empty array',
    ],
    [
      'eleven entries',
      Array.from({ length: 11 }, () => ({ type: 'hal_project', actions: ['read'] })),
      'authorization_details must have at most 10 entries',
    ],
    ['a number entry', [1], 'authorization_details entries must be objects'],
    ['a null entry', [null], 'authorization_details entries must be objects'],
    ['an array entry', [[]], 'authorization_details entries must be objects'],
    [
      'an entry without type (RFC 9396 §2)',
      [{ actions: ['read'] }],
      'authorization_details type is required',
    ],
    ['a numeric type', [{ type: 1, actions: ['read'] }], 'authorization_details type is required'],
    [
      'an unknown type (RFC 9396 §5)',
      [{ type: 'payment_initiation', actions: ['read'] }],
      'unknown authorization_details type: payment_initiation',
    ],
    ['an unknown type that cannot be echoed', [{ type: 'a"b' }], 'unknown authorization_details type'],
    [
      'an unknown field (RFC 9396 §5)',
      [{ type: 'hal_project', actions: ['read'], locations: ['https://api.example'] }],
      'unknown authorization_details field: locations',
    ],
    [
      'a __proto__ field',
      '[{"type":"hal_project","actions":["read"],"__proto__":{}}]',
      'unknown authorization_details field: __proto__',
    ],
    [
      'a short project_id',
      [{ type: 'hal_project', project_id: 'proj_123', actions: ['read'] }],
      'authorization_details project_id is malformed',
    ],
    [
      'a numeric project_id',
      [{ type: 'hal_project', project_id: 7, actions: ['read'] }],
      'authorization_details project_id is malformed',
    ],
    [
      'a null project_id',
      [{ type: 'hal_project', project_id: null, actions: ['read'] }],
      'authorization_details project_id is malformed',
    ],
    [
      'a lower-case project_id',
      [{ type: 'hal_project', project_id: PROJECT.toLowerCase(), actions: ['read'] }],
      'authorization_details project_id is malformed',
    ],
    [
      'a project_id outside the ULID alphabet',
      [{ type: 'hal_project', project_id: 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1WU', actions: ['read'] }],
      'authorization_details project_id is malformed',
    ],
    ['missing actions', [{ type: 'hal_project' }], ACTIONS_MESSAGE],
    ['empty actions', [{ type: 'hal_project', actions: [] }], ACTIONS_MESSAGE],
    ['actions as a string', [{ type: 'hal_project', actions: 'read' }], ACTIONS_MESSAGE],
    ['an unknown action', [{ type: 'hal_project', actions: ['read', 'delete'] }], ACTIONS_MESSAGE],
    ['an action in the wrong case', [{ type: 'hal_project', actions: ['Read'] }], ACTIONS_MESSAGE],
    ['a numeric action', [{ type: 'hal_project', actions: [1] }], ACTIONS_MESSAGE],
    [
      'a repeated action',
      [{ type: 'hal_project', actions: ['read', 'read'] }],
      'authorization_details actions must not repeat',
    ],
    [
      'two different projects (a grant is bound to one)',
      [
        { type: 'hal_project', project_id: PROJECT, actions: ['read'] },
        { type: 'hal_project', project_id: OTHER_PROJECT, actions: ['read'] },
      ],
      'authorization_details must not name more than one project_id',
    ],
  ])('rejects %s with invalid_authorization_details (RFC 9396 §5)', (_, raw, description) => {
    const err = thrown(() => parseAuthorizationDetails(raw));
    expect(err).toBeInstanceOf(InvalidAuthorizationDetails);
    expect(err).toMatchObject({
      error: 'invalid_authorization_details',
      error_description: description,
      status: 400,
    });
  });
});

describe('detailsNeedProject', () => {
  it('is true when a hal_project entry is requested (contract: consent shows the project picker)', () => {
    expect(detailsNeedProject([{ type: 'hal_project', actions: ['read'] }])).toBe(true);
  });

  it('is false without details', () => {
    expect(detailsNeedProject([])).toBe(false);
  });
});

describe('scopesFromDetails', () => {
  it.each<[string[], string[]]>([
    [['read'], ['projects:read']],
    [['write'], ['projects:write']],
    [['widget:serve'], ['widget:serve']],
    [
      ['read', 'write', 'widget:serve'],
      ['projects:read', 'projects:write', 'widget:serve'],
    ],
  ])('maps actions %j to scopes %j (RFC 9396 §3.1)', (actions, scopes) => {
    expect(scopesFromDetails([{ type: 'hal_project', actions }])).toEqual(scopes);
  });

  it('collapses scopes repeated across entries', () => {
    const details: AuthorizationDetail[] = [
      { type: 'hal_project', actions: ['read'] },
      { type: 'hal_project', project_id: PROJECT, actions: ['read', 'write'] },
    ];
    expect(scopesFromDetails(details)).toEqual(['projects:read', 'projects:write']);
  });

  it('grants nothing for no details', () => {
    expect(scopesFromDetails([])).toEqual([]);
  });
});
