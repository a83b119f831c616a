export { type Config, configFrom } from './env';
export { type RunningServer, startServer } from './server';
export type { AppRouter } from './trpc/root';
