import { appsRouter } from './routers/apps';
import { auditRouter } from './routers/audit';
import { connectionsRouter } from './routers/connections';
import { meRouter } from './routers/me';
import { projectsRouter } from './routers/projects';
import { resourcesRouter } from './routers/resources';
import { tokensRouter } from './routers/tokens';
import { widgetRouter } from './routers/widget';
import { router } from './trpc';

/** The dashboard's API at `/trpc`, routers named by concept (contract). */
export const appRouter = router({
  me: meRouter,
  projects: projectsRouter,
  apps: appsRouter,
  resources: resourcesRouter,
  tokens: tokensRouter,
  connections: connectionsRouter,
  widget: widgetRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
