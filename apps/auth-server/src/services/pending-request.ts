import { HAL_PROJECT_ACTIONS } from '@hal/core';
import { z } from 'zod';

/**
 * What `authorization_requests.params` holds, checked when read back (a row outlives the code that
 * wrote it by up to ten minutes, and a jsonb column promises no shape):
 * - pushed (RFC 9126): the client's parameters as sent, repeats included, until `request_uri` is used;
 * - direct: a validated request waiting for sign-in and consent.
 */
const authorizationRequest = z.object({
  clientId: z.string(),
  redirectUri: z.string(),
  redirectUriGiven: z.boolean(),
  state: z.string().optional(),
  scopes: z.array(z.string()),
  details: z.array(
    z.object({
      type: z.literal('hal_project'),
      project_id: z.string().optional(),
      actions: z.array(z.enum(HAL_PROJECT_ACTIONS)),
    }),
  ),
  // Rows written before resource indicators hold none: read as the fallback resource.
  resources: z.array(z.string()).default([]),
  codeChallenge: z.string(),
  projectId: z.string().optional(),
  needsProject: z.boolean(),
});

const stored = z.union([
  z.object({ request: authorizationRequest }),
  z.object({ entries: z.array(z.tuple([z.string(), z.string()])) }),
]);

export type PendingRequest =
  | { kind: 'pushed'; id: string; appId: string; params: [string, string][] }
  | {
      kind: 'direct';
      id: string;
      appId: string;
      userId: string | null;
      request: z.infer<typeof authorizationRequest>;
    };

/** A stored request row as a {@link PendingRequest}; undefined when absent or not of either shape. */
export function readPending(
  row: { id: string; appId: string; userId: string | null; pushed: boolean; params: unknown } | undefined,
): PendingRequest | undefined {
  const parsed = row && stored.safeParse(row.params);
  if (!row || !parsed?.success) return undefined;
  const { id, appId } = row;
  if ('entries' in parsed.data)
    return row.pushed ? { kind: 'pushed', id, appId, params: parsed.data.entries } : undefined;
  return row.pushed
    ? undefined
    : { kind: 'direct', id, appId, userId: row.userId, request: parsed.data.request };
}
