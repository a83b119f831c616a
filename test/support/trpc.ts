import type { AppRouter } from '@hal/auth-server';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Browser } from './browser';

/** A typed tRPC client speaking for a signed-in browser (its cookies), as the dashboard does. */
export function trpcFor(browser: Browser, headers: Record<string, string> = { 'x-hal-csrf': '1' }) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${browser.base}/trpc`,
        headers: () => headers,
        fetch: (url, init) => browser.fetch(String(url), init as RequestInit),
      }),
    ],
  });
}
