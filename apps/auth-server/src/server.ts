import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDatabase, type Database } from '@hal/db';
import { getRequestListener } from '@hono/node-server';
import pino, { type Logger } from 'pino';
import { createApp, MAX_BODY_BYTES } from './app';
import type { Config } from './env';
import { refuseConnect, tendConnection } from './http/connection';
import { secureResponse, securityHeaders } from './http/security-headers';
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
    options.database ??
    createDatabase({
      url: config.databaseUrl,
      dataDir: `${config.dataDir}/pglite`,
      statementTimeoutMs: config.requestTimeoutMs,
    });
  await database.migrate();
  const secretKey = loadSecretKey(config.secretKey, config.dataDir);
  const services = await createServices(config, database, secretKey, logger);
  const stopSweeping = sweepUnusedClients(services, config.registration.sweepInterval);
  // The OpenTelemetry SDK is loaded only when traces are exported: otherwise nothing of it runs.
  const tracing = config.tracing
    ? await (await import('./observe/tracing')).startTracing(config.tracing, database)
    : undefined;
  const app = createApp(services, secretKey, tracing?.middleware);
  // Unread request bodies are drained by size, not by @hono/node-server's 500 ms (http/connection.ts).
  const listener = getRequestListener(app.fetch, { autoCleanupIncoming: false });
  const headers = securityHeaders(config.secureCookies);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    tendConnection(req, res, MAX_BODY_BYTES);
    return listener(req, res);
  };
  // Every response carries the security headers, added as Node writes its head.
  const server = createServer({ ServerResponse: secureResponse(headers) }, handle);
  // RFC 9110 §10.1.1: an expectation other than 100-continue may be ignored; Node would answer 417
  // itself, outside HAL and its error shapes.
  server.on('checkExpectation', handle);
  server.on('connect', refuseConnect(headers));
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
      await stopSweeping();
      await tracing?.shutdown();
      if (!options.database) await database.close();
    },
  };
}

/**
 * Deletes the registered clients no one authorized (contract: HAL_DCR_UNUSED_TTL), now and every
 * `intervalSeconds`, in every process: the sweep is one statement that concurrent runs share safely.
 * @returns a function that stops the timer and waits for a sweep in progress.
 */
function sweepUnusedClients(services: Services, intervalSeconds: number) {
  const { logger } = services;
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= services.registration
      .sweepUnused()
      .then(
        (deleted) => {
          if (deleted) logger.info({ deleted }, 'deleted registered clients no one authorized');
        },
        (err) => logger.warn({ err }, 'the sweep of unused registered clients failed'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  sweep();
  const timer = setInterval(sweep, intervalSeconds * 1000).unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
