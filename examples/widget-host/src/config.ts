/** Everything the host needs to know, read from the environment in this one place. */
export interface HostConfig {
  /** HAL's issuer, e.g. `http://127.0.0.1:3000`. */
  halUrl: string;
  clientId: string;
  clientSecret: string;
  /** This host's own origin; the redirect URI registered at HAL is `${publicUrl}/callback`. */
  publicUrl: string;
  port: number;
}

const required = (env: NodeJS.ProcessEnv, name: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new Error(`${name} is required (see examples/widget-host/README.md)`);
  return value;
};

/** Reads `HAL_URL`, `HAL_CLIENT_ID`, `HAL_CLIENT_SECRET`, `PORT` and `PUBLIC_URL`. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): HostConfig {
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error('PORT must be a TCP port');
  return {
    halUrl: required(env, 'HAL_URL').replace(/\/+$/, ''),
    clientId: required(env, 'HAL_CLIENT_ID'),
    clientSecret: required(env, 'HAL_CLIENT_SECRET'),
    publicUrl: (env.PUBLIC_URL?.trim() || `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    port,
  };
}
