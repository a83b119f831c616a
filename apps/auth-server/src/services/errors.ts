/**
 * Why a use case refused, in words no surface owns: the REST renderer (`http/api-errors.ts`) and
 * the tRPC procedures (`trpc/trpc.ts`) each map a kind to their own status.
 */
export type ServiceErrorKind =
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited';

/**
 * A refusal thrown by a service. `code` and `message` are what the REST API shows in
 * `{ error: { code, message } }` (contract); `retryAfter` (seconds) comes with `rate_limited`.
 */
export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    readonly code: string,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ServiceError('not_found', 'not_found', `${what} not found`);
export const forbidden = (message: string) => new ServiceError('forbidden', 'forbidden', message);
export const invalidRequest = (message: string) =>
  new ServiceError('invalid_request', 'invalid_request', message);
export const conflict = (code: string, message: string) => new ServiceError('conflict', code, message);
export const rateLimited = (retryAfter: number, message: string) =>
  new ServiceError('rate_limited', 'rate_limited', message, retryAfter);
