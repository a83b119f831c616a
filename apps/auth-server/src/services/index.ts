import { CHANGES_CHANNEL, createStores, type Database } from '@hal/db';
import type { Logger } from 'pino';
import type { Config } from '../env';
import { metadataFetcher } from '../lib/metadata-fetch';
import { createMetrics } from '../observe/metrics';
import { accountService } from './accounts';
import { appService } from './apps';
import { authorizationService } from './authorization';
import { clientDirectory } from './clients';
import { connectionService } from './connections';
import { consentService } from './consent';
import { Keyring } from './keyring';
import { oauthService } from './oauth';
import { personalTokenService } from './personal-tokens';
import { projectClientService } from './project-clients';
import { projectService } from './projects';
import { registrationService } from './registration';
import { resourceServerService } from './resource-servers';
import { resourceService } from './resources';
import { widgetService } from './widget';

// Access tokens live at most 8 h (contract); retired keys stay published past that.
const MAX_ACCESS_TOKEN_TTL = 28_800;

/** The longest any token HAL signs may live: how long a retired signing key stays published. */
export const longestTokenLifetime = (config: Config) => Math.max(MAX_ACCESS_TOKEN_TTL, config.apiSessionTtl);

/** The use cases and what they share, built once per process from config and database. */
export async function createServices(
  config: Config,
  database: Database,
  secretKey: Uint8Array,
  logger: Logger,
) {
  const stores = createStores(database.db);
  // Every process caches apps, token revocation states and projects; a change anywhere is
  // announced through NOTIFY (triggers of migration 0001) and drops the caches.
  await database.listen(CHANGES_CHANNEL, stores.feed.listener);
  const keyring = new Keyring(stores.keys, secretKey, longestTokenLifetime(config));
  await keyring.init();
  const metrics = createMetrics({
    database: database.activity,
    caches: () => [...stores.feed.caches(), keyring.verifiedCache],
  });
  const accounts = accountService(stores, keyring, config);
  const projects = projectService(stores, secretKey);
  const apps = appService(stores, projects);
  const { allowLocal } = config.clientMetadata;
  const clients = clientDirectory(stores, metadataFetcher({ allowLocal }), { allowLocal, logger });
  const resources = resourceService(config.issuer, stores);
  const authorization = authorizationService(stores, clients, resources.registry);
  return {
    config,
    database,
    logger,
    metrics,
    stores,
    keyring,
    accounts,
    personalTokens: personalTokenService(stores),
    projects,
    apps,
    projectClients: projectClientService(stores, projects, apps),
    connections: connectionService(stores),
    clients,
    registration: registrationService(stores, config.registration),
    resources,
    resourceServers: resourceServerService(stores, config.issuer, resources.ownIdentifiers),
    authorization,
    consent: consentService(stores, authorization, config.issuer, resources.registry),
    oauth: oauthService(stores, clients, keyring, projects, secretKey, config, resources.registry, metrics),
    widget: widgetService(stores, projects, keyring, config),
  };
}

export type Services = Awaited<ReturnType<typeof createServices>>;
