import {
  checkClientRegistration,
  hashToken,
  newClientId,
  newClientSecret,
  newId,
  OAUTH_SCOPES,
  publicRegistrationFingerprint,
  registeredMetadata,
} from '@hal/core';
import type { Stores } from '@hal/db';

/**
 * OAuth 2.0 Dynamic Client Registration (RFC 7591): clients register themselves, with no HAL
 * account behind them; HAL shows them as not verified and deletes those no one ever authorized.
 */
export function registrationService(stores: Stores, config: { unusedTtl: number }) {
  return {
    /**
     * Registers the client `body` describes and answers as RFC 7591 §3.2.1 says. An identical
     * repeat of a public registration gets the client registered first (contract: abuse control).
     * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1
     */
    async register(body: unknown, ip?: string) {
      const registration = checkClientRegistration(body);
      const confidential = registration.tokenEndpointAuthMethod !== 'none';
      const secret = confidential ? newClientSecret() : undefined;
      const metadata = registeredMetadata(registration);
      const { app, created } = await stores.registeredClients.register(
        {
          id: newId(),
          clientId: newClientId(),
          ownerId: null,
          origin: 'registration',
          name: registration.clientName ?? '',
          logoUrl: registration.logoUri ?? null,
          clientType: confidential ? 'confidential' : 'public',
          kind: 'public',
          // MCP clients register with the scopes they start with and step up later (MCP
          // authorization, scope challenges): the registered scope is where they begin, not a
          // ceiling. The user's consent is the gate, as for metadata-document clients.
          allowedScopes: [...OAUTH_SCOPES],
          secretHash: secret ? hashToken(secret) : null,
          metadata,
          // A confidential client is never shared: its secret was shown to one registrant only.
          registrationFingerprint: confidential ? null : publicRegistrationFingerprint(registration),
        },
        registration.redirectUris,
      );
      if (created)
        await stores.audit.write({
          type: 'app.registered',
          appId: app.id,
          ip,
          data: { client_id: app.clientId, software_id: registration.softwareId ?? null },
        });
      return {
        client_id: app.clientId,
        client_id_issued_at: Math.floor(app.createdAt.getTime() / 1000),
        // The existing client's metadata on a repeat (RFC 7591 §3.2.1: the server's values win).
        ...(app.metadata ?? metadata),
        // RFC 7591 §3.2.1: client_secret_expires_at is REQUIRED with a secret; 0 means it never expires.
        ...(secret && { client_secret: secret, client_secret_expires_at: 0 }),
      };
    },

    /**
     * Deletes registered and metadata-document clients that no user authorized within the unused
     * TTL (contract: HAL_DCR_UNUSED_TTL). Every process runs it; concurrent runs do not collide.
     * @returns how many were deleted
     */
    sweepUnused: () => stores.registeredClients.sweepUnused(config.unusedTtl),
  };
}

export type RegistrationService = ReturnType<typeof registrationService>;
