export { type Config, configFrom } from './env';
export { isOutage } from './http/unavailable';
export { type RunningServer, startServer } from './server';
export type { AppRouter } from './trpc/root';
