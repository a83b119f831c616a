import type { DatabaseActivity, ReadCache } from '@hal/db';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { requestSeries } from './request-series';

// Any other method is counted as OTHER: a label must not take whatever a client sends.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** What the metrics read at scrape time: counters their owners keep as plain numbers. */
export interface MetricSources {
  database: DatabaseActivity;
  caches: () => Iterable<Pick<ReadCache<unknown, unknown>, 'name' | 'hits' | 'misses'>>;
}

/**
 * The Prometheus metrics of one HAL instance, in a registry of its own (several instances may
 * share a process, as in the tests). The hot path only adds to plain numbers; prom-client reads
 * them, the caches' and the database pool's when scraped.
 */
export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  const countRequest = requestSeries(registers);
  const issued = new Map<string, number>();
  new Counter({
    name: 'hal_tokens_issued_total',
    help: 'Token responses of POST /oauth/token, by grant_type',
    labelNames: ['grant'] as const,
    registers,
    collect() {
      this.reset();
      for (const [grant, n] of issued) this.inc({ grant }, n);
    },
  });
  const refreshReuse = new Counter({
    name: 'hal_refresh_token_reuse_detected_total',
    help: 'Rotated refresh tokens presented again, each revoking its grant (RFC 9700 §4.14.2)',
    registers,
  });
  new Counter({
    name: 'hal_cache_lookups_total',
    help: 'Lookups of the in-process caches, by cache and result (hit or miss)',
    labelNames: ['cache', 'result'] as const,
    registers,
    collect() {
      this.reset();
      for (const cache of sources.caches()) {
        this.inc({ cache: cache.name, result: 'hit' }, cache.hits);
        this.inc({ cache: cache.name, result: 'miss' }, cache.misses);
      }
    },
  });
  const db = sources.database;
  new Gauge({
    name: 'hal_db_pool_size',
    help: 'Connections the database pool may open (PGlite: 1)',
    registers,
    collect() {
      this.set(db.poolSize);
    },
  });
  new Gauge({
    name: 'hal_db_pool_connections',
    help: "Pool connections in use, and statements waiting for one, from HAL's own statement counts",
    labelNames: ['state'] as const,
    registers,
    collect() {
      const { inUse, waiting } = db.pool();
      this.set({ state: 'in_use' }, inUse);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  new Gauge({
    name: 'hal_db_statements_in_flight',
    help: 'Statements sent to the database and not yet answered',
    registers,
    collect() {
      this.set(db.statements);
    },
  });
  new Counter({
    name: 'hal_db_statements_total',
    help: 'Statements sent to the database',
    registers,
    collect() {
      this.reset();
      this.inc(db.sent);
    },
  });

  return {
    registry,
    /** One answered request; `route` is the matched pattern, never the raw path. */
    request(method: string, route: string, status: number, seconds: number) {
      countRequest(METHODS.has(method) ? method : 'OTHER', route, status, seconds);
    },
    /** A token response; `grant` is a grant_type HAL supports (runGrant refused any other). */
    tokenIssued(grant: string) {
      issued.set(grant, (issued.get(grant) ?? 0) + 1);
    },
    /** An audit event written by a grant. */
    audited(type: string) {
      if (type === 'oauth.refresh_reused') refreshReuse.inc();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
