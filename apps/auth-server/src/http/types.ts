import type { Logger } from 'pino';
import type { Principal } from './principal';

/** Variables every handler can read from the Hono context. */
export type Env = {
  Variables: {
    requestId: string;
    log: Logger;
    principal: Principal;
    clientIp: string;
  };
};
