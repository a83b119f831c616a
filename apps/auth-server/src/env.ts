import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HAL_ISSUER: z.url().optional(),
  DATABASE_URL: z.string().min(1).optional(),
  HAL_DATA_DIR: z.string().min(1).default('./.hal-data'),
  /** 32 bytes, hex or base64/base64url; generated into the data folder when unset. */
  HAL_SECRET_KEY: z.string().min(1).optional(),
  HAL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HAL_RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  /** Failed sign-ins allowed per account within the window before 429. */
  HAL_RATE_LIMIT_LOGIN_ACCOUNT: z.coerce.number().int().positive().default(5),
  /** Failed sign-ins allowed per client address within the window before 429. */
  HAL_RATE_LIMIT_LOGIN_IP: z.coerce.number().int().positive().default(20),
  HAL_RATE_LIMIT_LOGIN_WINDOW: seconds(900),
  /** Per-minute limits per client address (token, introspection, identify) or per token (sign-identity). */
  HAL_RATE_LIMIT_TOKEN: z.coerce.number().int().positive().default(1200),
  HAL_RATE_LIMIT_INTROSPECT: z.coerce.number().int().positive().default(2400),
  HAL_RATE_LIMIT_SIGN_IDENTITY: z.coerce.number().int().positive().default(1200),
  HAL_RATE_LIMIT_IDENTIFY: z.coerce.number().int().positive().default(120),
  /**
   * Milliseconds a request may take: past it, its database work is cancelled and it is answered
   * 503 (http/deadline.ts). Also PostgreSQL's statement_timeout for HAL's connections.
   */
  HAL_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** Client registrations (`POST /oauth/register`) per client address per hour. */
  HAL_RATE_LIMIT_REGISTER: z.coerce.number().int().positive().default(20),
  /** `1` (development and tests only) lets client ID metadata documents come over http from loopback. */
  HAL_CIMD_ALLOW_LOCAL: z.enum(['0', '1']).default('0'),
  /** A registered client no user has authorized within this many seconds is deleted. */
  HAL_DCR_UNUSED_TTL: seconds(86_400),
  /** How often each process looks for such clients, in seconds. */
  HAL_DCR_SWEEP_INTERVAL: seconds(3600),
  /** Bearer token that may read `/metrics` from anywhere (without it: loopback only). */
  HAL_METRICS_TOKEN: z.string().min(16).optional(),
  /** OTLP/HTTP base URL (`…/v1/traces` is appended): traces are exported only when it is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('hal'),
  HAL_SESSION_TTL: seconds(7 * 24 * 3600),
  HAL_API_SESSION_TTL: seconds(3600),
});

export type Config = ReturnType<typeof configFrom>;

/** Every environment variable HAL reads, parsed once; nothing below this file reads `process.env`. */
export function configFrom(env: Record<string, string | undefined>) {
  const e = Env.parse(env);
  // The issuer is compared byte for byte (RFC 9207, RFC 8414 §3.3): no trailing slash.
  const issuer = (e.HAL_ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    issuer,
    secureCookies: issuer.startsWith('https://'),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.HAL_DATA_DIR,
    secretKey: e.HAL_SECRET_KEY,
    logLevel: e.HAL_LOG_LEVEL,
    requestTimeoutMs: e.HAL_REQUEST_TIMEOUT_MS,
    sessionTtl: e.HAL_SESSION_TTL,
    apiSessionTtl: e.HAL_API_SESSION_TTL,
    metricsToken: e.HAL_METRICS_TOKEN,
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ''), serviceName: e.OTEL_SERVICE_NAME }
      : undefined,
    clientMetadata: { allowLocal: e.HAL_CIMD_ALLOW_LOCAL === '1' },
    registration: { unusedTtl: e.HAL_DCR_UNUSED_TTL, sweepInterval: e.HAL_DCR_SWEEP_INTERVAL },
    rateLimits: {
      enabled: e.HAL_RATE_LIMITS === 'on',
      loginPerAccount: e.HAL_RATE_LIMIT_LOGIN_ACCOUNT,
      loginPerIp: e.HAL_RATE_LIMIT_LOGIN_IP,
      loginWindow: e.HAL_RATE_LIMIT_LOGIN_WINDOW,
      ...perMinute(e.HAL_RATE_LIMITS === 'on', {
        token: e.HAL_RATE_LIMIT_TOKEN,
        introspect: e.HAL_RATE_LIMIT_INTROSPECT,
        signIdentity: e.HAL_RATE_LIMIT_SIGN_IDENTITY,
        identify: e.HAL_RATE_LIMIT_IDENTIFY,
      }),
      register: e.HAL_RATE_LIMITS === 'on' ? { limit: e.HAL_RATE_LIMIT_REGISTER, window: 3600 } : undefined,
    },
  };
}

/** Endpoint rate limits as rules, or undefined (no limit) when rate limits are off. */
function perMinute<K extends string>(enabled: boolean, limits: Record<K, number>) {
  return Object.fromEntries(
    Object.entries(limits).map(([name, limit]) => [name, enabled ? { limit, window: 60 } : undefined]),
  ) as Record<K, { limit: number; window: number } | undefined>;
}
