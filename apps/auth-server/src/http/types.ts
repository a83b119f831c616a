import type { RequestScope } from '@hal/db';
import type { Logger } from 'pino';
import type { Principal } from '../services/principal';
import type { GuardedResource } from '../services/resources';

/** Variables every handler can read from the Hono context. */
export type Env = {
  Variables: {
    requestId: string;
    /** The server's logger; lines about a request name it with `reqId: requestId`. */
    log: Logger;
    principal: Principal;
    /** The protected resource the request was authenticated for (`/api`, `/mcp`). */
    resource: GuardedResource;
    clientIp: string;
    /**
     * The request's statement scope, for a route that enters it itself (`http/read-only.ts`,
     * `requestScoping`); unset elsewhere.
     */
    requestScope?: RequestScope;
  };
};
