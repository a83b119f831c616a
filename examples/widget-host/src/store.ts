import { ResponseBodyError } from 'oauth4webapi';
import type { Connection, HalClient } from './hal-client';

/** A started authorization request, kept until its callback arrives. */
export interface PendingFlow {
  state: string;
  verifier: string;
  expiresAt: number;
}

/** Refresh when the access token has less than this left, so a call never races its expiry. */
export const REFRESH_MARGIN_MS = 30_000;
const FLOW_TTL_MS = 10 * 60_000;
const MAX_FLOWS = 1_000;

/**
 * The demo store: in memory, one HAL connection for the whole host. A real host keeps the
 * connection per customer in its database, with the refresh token encrypted.
 */
export function memoryStore(hal: HalClient, now: () => number) {
  const flows = new Map<string, PendingFlow>();
  let connection: Connection | undefined;
  let refreshing: Promise<Connection> | undefined;

  return {
    startFlow(id: string, flow: Omit<PendingFlow, 'expiresAt'>): void {
      for (const [key, f] of flows) if (f.expiresAt <= now()) flows.delete(key);
      // Oldest first: a flood of /connect requests cannot grow memory without bound.
      if (flows.size >= MAX_FLOWS) flows.delete(flows.keys().next().value as string);
      flows.set(id, { ...flow, expiresAt: now() + FLOW_TTL_MS });
    },

    /** Single use: a callback replayed with the same cookie finds nothing. */
    takeFlow(id: string | undefined): PendingFlow | undefined {
      if (!id) return undefined;
      const flow = flows.get(id);
      flows.delete(id);
      return flow && flow.expiresAt > now() ? flow : undefined;
    },

    connection: (): Connection | undefined => connection,

    connect(c: Connection): void {
      connection = c;
    },

    disconnect(): void {
      connection = undefined;
    },

    /**
     * The connection with a usable access token, refreshed first when it is about to expire.
     * Concurrent callers share one refresh: HAL rotates refresh tokens and treats a second use of
     * a rotated one as theft, revoking the whole grant (RFC 9700 §4.14.2).
     */
    async fresh(): Promise<Connection | undefined> {
      const current = connection;
      if (!current) return undefined;
      if (current.expiresAt - now() > REFRESH_MARGIN_MS) return current;
      refreshing ??= hal
        .refresh(current)
        .then((next) => {
          if (connection === current) connection = next;
          return next;
        })
        .catch((err: unknown) => {
          // HAL refused (revoked grant, rotated secret): the connection is over, reconnect.
          // A network failure keeps it for the next try.
          if (err instanceof ResponseBodyError && connection === current) connection = undefined;
          throw err;
        })
        .finally(() => {
          refreshing = undefined;
        });
      return refreshing;
    },
  };
}

export type MemoryStore = ReturnType<typeof memoryStore>;
