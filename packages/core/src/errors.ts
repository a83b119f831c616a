/**
 * An OAuth protocol error (RFC 6749 §5.2, §4.1.2.1; RFC 6750 §3.1; RFC 9396 §5).
 * `error_description` is lower case and names the offending parameter.
 */
export class OAuthError extends Error {
  readonly status: number;
  constructor(
    readonly error: string,
    readonly error_description: string,
    status = 400,
  ) {
    super(error_description);
    this.status = status;
  }
}

const code = (error: string, status = 400) =>
  class extends OAuthError {
    constructor(description: string) {
      super(error, description, status);
    }
  };

export class InvalidRequest extends code('invalid_request') {}
export class InvalidClient extends code('invalid_client', 401) {}
export class InvalidGrant extends code('invalid_grant') {}
export class UnauthorizedClient extends code('unauthorized_client') {}
export class UnsupportedGrantType extends code('unsupported_grant_type') {}
export class UnsupportedResponseType extends code('unsupported_response_type') {}
export class InvalidScope extends code('invalid_scope') {}
export class AccessDenied extends code('access_denied', 403) {}
export class InvalidAuthorizationDetails extends code('invalid_authorization_details') {}
export class InvalidToken extends code('invalid_token', 401) {}
export class InsufficientScope extends code('insufficient_scope', 403) {}
export class ServerError extends code('server_error', 500) {}

/** A REST API error (contract: `{ error: { code, message } }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const badRequest = (message: string, code = 'invalid_request') => new ApiError(400, code, message);
export const tooManyRequests = (retryAfter: number) =>
  new ApiError(429, 'rate_limited', 'too many attempts; try again later', {
    'Retry-After': String(retryAfter),
  });
