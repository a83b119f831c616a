import { serve } from '@hono/node-server';
import type { Host } from './host';

/** Serves a host on 127.0.0.1 (loopback, like its registered redirect URI); resolves once listening. */
export function listen(host: Host, port = host.config.port): Promise<{ close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: host.app.fetch, port, hostname: '127.0.0.1' }, () =>
      resolve({ close: () => new Promise<void>((done) => server.close(() => done())) }),
    );
  });
}
