export { configFromEnv, type HostConfig } from './config';
export type { Connection, SignedIdentity } from './hal-client';
export { createHost, DEMO_USER, type Host, type HostOptions } from './host';
export { listen } from './serve';
