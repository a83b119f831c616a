import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDatabase, type Database } from '@hal/db';
import { getRequestListener } from '@hono/node-server';
import pino, { type Logger } from 'pino';
import { createApp, MAX_BODY_BYTES } from './app';
import type { Config } from './env';
import { drainAfterResponse } from './http/drain';
import { securityHeaders, withSecurityHeaders } from './http/security-headers';
import { loadSecretKey } from './lib/secret-key';
import { createServices, type Services } from './services';

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  close(): Promise<void>;
}

/**
 * Opens the database, migrates it, loads keys and listens. Used by `main.ts` and by tests, which
 * may pass their own database (and logger) to run the very same server against it.
 */
export async function startServer(
  config: Config,
  options: { database?: Database; logger?: Logger } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const database =
    options.database ?? createDatabase({ url: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
  await database.migrate();
  const services = await createServices(
    config,
    database,
    loadSecretKey(config.secretKey, config.dataDir),
    logger,
  );
  const app = createApp(services);
  // Unread request bodies are drained by size, not by @hono/node-server's 500 ms (http/drain.ts).
  const listener = getRequestListener(app.fetch, { autoCleanupIncoming: false });
  const server = createServer(
    withSecurityHeaders(
      securityHeaders(config.secureCookies),
      (req: IncomingMessage, res: ServerResponse) => {
        drainAfterResponse(req, res, MAX_BODY_BYTES);
        return listener(req, res);
      },
    ),
  );
  // A deep accept backlog so bursts of new connections queue instead of being reset.
  await new Promise<void>((resolve) =>
    server.listen({ port: config.port, host: '0.0.0.0', backlog: 4096 }, resolve),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    services,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.database) await database.close();
    },
  };
}
