import type { AppRouter } from '@hal/auth-server';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';

/** The dashboard's only way to the server: tRPC over the session cookie, CSRF header on every call. */
export const trpc = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: '/trpc', headers: { 'x-hal-csrf': '1' } })],
});

/** A message fit for the user from any failure. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (error.data?.code === 'UNAUTHORIZED') return 'Your session has ended. Please sign in again.';
    return error.message;
  }
  return 'Something went wrong. Check your connection and try again.';
}

export const isUnauthorized = (error: unknown) =>
  error instanceof TRPCClientError && error.data?.code === 'UNAUTHORIZED';
