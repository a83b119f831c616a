import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { configFrom, type RunningServer, startServer } from '@hal/auth-server';
import { createDatabase, type Database } from '@hal/db';
import pino from 'pino';
import postgres from 'postgres';
import { inject } from 'vitest';
import { freePort } from './postgres-cluster';

export type Backend = 'pglite' | 'postgres';

/** The engines every database test runs against: PGlite always, PostgreSQL when installed. */
export const BACKENDS: Backend[] = inject('pgAdminUrl') ? ['pglite', 'postgres'] : ['pglite'];

/** A fresh, empty database on the chosen engine. */
export async function freshDatabase(backend: Backend): Promise<{ database: Database; url?: string }> {
  if (backend === 'pglite') return { database: createDatabase({ dataDir: 'memory://' }) };
  const admin = postgres(inject('pgAdminUrl'), { max: 1, onnotice: () => {} });
  const name = `hal_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = inject('pgAdminUrl').replace(/\/postgres$/, `/${name}`);
  return { database: createDatabase({ url, maxConnections: 20 }), url };
}

export interface TestServer extends RunningServer {
  /** Every log line the server wrote, for asserting that no secret reaches a log. */
  logs: string[];
  database: Database;
  backend: Backend;
}

/** Starts a real HAL server on a free port against a fresh database of `backend`. */
export async function startTestServer(
  backend: Backend,
  env: Record<string, string> = {},
  shared?: { database: Database },
): Promise<TestServer> {
  const { database } = shared ?? (await freshDatabase(backend));
  const port = await freePort();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = configFrom({
    PORT: String(port),
    HAL_ISSUER: `http://127.0.0.1:${port}`,
    HAL_SECRET_KEY: randomBytes(32).toString('hex'),
    HAL_DATA_DIR: '/tmp/hal-test-unused',
    ...env,
  });
  const server = await startServer(config, { database, logger: pino({ level: 'info' }, sink) });
  return {
    ...server,
    logs,
    database,
    backend,
    async close() {
      await server.close();
      await database.close();
    },
  };
}

/**
 * Several HAL processes' worth of servers on ONE PostgreSQL database, each with its own connection
 * pool, sharing the secret key: what N servers behind a load balancer are.
 */
export async function startCluster(count: number, env: Record<string, string> = {}): Promise<TestServer[]> {
  const { url, database: first } = await freshDatabase('postgres');
  await first.close();
  const key = randomBytes(32).toString('hex');
  const servers: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    const database = createDatabase({ url, maxConnections: 20 });
    servers.push(await startTestServer('postgres', { HAL_SECRET_KEY: key, ...env }, { database }));
  }
  return servers;
}
