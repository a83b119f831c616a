/**
 * An OAuth protocol error (RFC 6749 §5.2 and §4.1.2.1, which RFC 7009 and RFC 7662 reuse; RFC 9396
 * §5; RFC 8707 §2). `error_description` is lower case and names the offending parameter. Core has no other
 * error family: the server's HTTP layer renders these, and keeps its own.
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
// RFC 7591 §3.2.2: the registration endpoint's own error codes.
export class InvalidRedirectUri extends code('invalid_redirect_uri') {}
export class InvalidClientMetadata extends code('invalid_client_metadata') {}
/** RFC 8707 §2: the requested resource is invalid, missing, unknown, or malformed. */
export class InvalidTarget extends code('invalid_target') {}
