import { configFrom } from './env';
import { startServer } from './server';

const config = configFrom(process.env);
const server = await startServer(config);
const log = server.services.logger;
log.info(
  { url: config.issuer, port: server.port, database: server.services.database.kind },
  'HAL is listening',
);
console.log(
  `HAL is running at ${config.issuer} (port ${server.port}, ${server.services.database.kind} database)`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  });
}
