import {
  checkClientMetadataDocument,
  metadataCacheLifetime,
  metadataDocumentUrl,
  newId,
  OAUTH_SCOPES,
  OAuthError,
} from '@hal/core';
import type { OAuthApp, Stores } from '@hal/db';
import type { Logger } from 'pino';
import { MetadataFetchError, type MetadataFetcher } from '../lib/metadata-fetch';

/** A client ID metadata document that cannot be fetched or is invalid: the request stops there. */
export class ClientMetadataError extends Error {}

/**
 * How a client_id becomes a client: a stored app, or, for an https URL with a path, the client its
 * metadata document describes (draft-ietf-oauth-client-id-metadata-document-00). A document client
 * is kept as an app of origin `metadata_document` keyed by its URL: a stable internal id for its
 * grants and tokens, and the database cache of its document shared by every server process.
 */
export function clientDirectory(
  stores: Stores,
  fetchDocument: MetadataFetcher,
  options: { allowLocal: boolean; logger: Logger; now?: () => Date },
) {
  const now = options.now ?? (() => new Date());

  /** The document's client, from the cache while it is fresh, else fetched and validated again. */
  async function fromDocument(url: URL, clientId: string): Promise<OAuthApp> {
    const cached = await stores.apps.byClientId(clientId);
    if (cached?.metadataExpiresAt && cached.metadataExpiresAt > now()) return cached;
    let doc: ReturnType<typeof checkClientMetadataDocument>;
    let lifetime: number;
    try {
      const fetched = await fetchDocument(url);
      doc = checkClientMetadataDocument(clientId, fetched.body);
      lifetime = metadataCacheLifetime(fetched, now());
    } catch (error) {
      const reason =
        error instanceof MetadataFetchError
          ? error.message
          : error instanceof OAuthError
            ? error.error_description
            : undefined;
      if (reason === undefined) throw error;
      options.logger.info({ client_id: clientId, reason }, 'client metadata document refused');
      throw new ClientMetadataError(reason);
    }
    return stores.registeredClients.saveMetadataDocument(
      {
        id: newId(),
        clientId,
        name: doc.clientName,
        logoUrl: doc.logoUri ?? null,
        // A public client (no secret can exist), allowed HAL's OAuth scopes: the document has no
        // allowed-scopes list of its own, so the user's consent is what limits it.
        clientType: 'public',
        kind: 'public',
        allowedScopes: [...OAUTH_SCOPES],
        metadata: {
          client_name: doc.clientName,
          redirect_uris: doc.redirectUris,
          ...(doc.clientUri && { client_uri: doc.clientUri }),
          ...(doc.logoUri && { logo_uri: doc.logoUri }),
        },
        metadataExpiresAt: new Date(now().getTime() + lifetime * 1000),
      },
      doc.redirectUris,
    );
  }

  return {
    /**
     * The client `clientId` names, or undefined when unknown. With `refresh` (where an authorization
     * request starts), a metadata document is fetched when its cached copy expired, and a document
     * that cannot be used throws {@link ClientMetadataError}; without it, the stored client is used.
     */
    async find(clientId: string, refresh: boolean): Promise<OAuthApp | undefined> {
      const url = refresh ? metadataDocumentUrl(clientId, options.allowLocal) : undefined;
      return url ? fromDocument(url, clientId) : stores.apps.byClientId(clientId);
    },
  };
}

export type ClientDirectory = ReturnType<typeof clientDirectory>;
