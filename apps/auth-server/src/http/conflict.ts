import { errorCodes } from '@hal/db';

// SQLSTATE 23503 foreign_key_violation: a write refers to a row that is gone.
const REFERENCE_GONE = '23503';

/**
 * True when PostgreSQL refused a write because a row it refers to was deleted meanwhile: an app
 * deleted while its redirect URIs were being replaced, or while an authorization request for it
 * was being stored; a project deleted while a client was being created in it. The request lost a
 * race with a deletion: a conflict (409), never a 500.
 */
export function isReferenceGone(error: unknown): boolean {
  return errorCodes(error).includes(REFERENCE_GONE);
}

export const REFERENCE_GONE_MESSAGE = 'something this request refers to was deleted meanwhile';
