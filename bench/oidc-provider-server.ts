import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import MemoryAdapter, { type Store } from 'oidc-provider/lib/adapters/memory_adapter.js';

/**
 * The peer: node oidc-provider 9 with its in-memory adapter, one confidential client
 * (`client_secret_basic`), client_credentials issuing RFC 9068 JWT access tokens signed ES256
 * (HAL's algorithm, through a resource indicator), introspection, userinfo, and refresh-token
 * rotation. Prints `READY <json>` with the client and the tokens the runner needs.
 *
 * oidc-provider issues refresh tokens only through an interactive authorization, so the pool of
 * refresh tokens (one grant and one account each, as HAL's pool has one user each) is minted
 * in-process through its models, exactly what its authorization_code grant would store.
 */
const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const pool = Number(process.env.BENCH_POOL ?? 100);
const RESOURCE = 'https://api.bench.example';
const client = {
  client_id: 'bench',
  client_secret: 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz',
};

/**
 * oidc-provider's in-memory adapter, over a store without its 1 000-entry LRU bound: under load
 * the default evicts live grants and tokens (userinfo answered 401 once the client_credentials
 * scenario had stored a few thousand tokens). Entries still expire as they would.
 */
class UnboundedStore implements Store {
  readonly #entries = new Map<string, { value: unknown; expiry?: number }>();
  get(key: string): unknown {
    const entry = this.#entries.get(key);
    if (entry?.expiry === undefined || entry.expiry > Date.now()) return entry?.value;
    this.#entries.delete(key);
    return undefined;
  }
  set(key: string, value: unknown, options?: { maxAge?: number }) {
    this.#entries.set(key, { value, expiry: options?.maxAge ? Date.now() + options.maxAge : undefined });
  }
  delete(key: string) {
    this.#entries.delete(key);
  }
}
const store = new UnboundedStore();

const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  adapter: (model: string) => new MemoryAdapter(model, store),
  clients: [
    {
      ...client,
      grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['https://bench.example/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      scope: 'openid offline_access profile',
    },
  ],
  jwks: { keys: [{ ...jwk, alg: 'ES256', use: 'sig' }] as never },
  scopes: ['openid', 'offline_access', 'profile'],
  claims: { openid: ['sub'], profile: ['name', 'email'] },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ sub, name: `Bench ${sub}`, email: `${sub}@bench.example` }),
  }),
  rotateRefreshToken: true, // as HAL: every use rotates
  ttl: { AccessToken: 900, ClientCredentials: 900, RefreshToken: 30 * 24 * 3600, Grant: 30 * 24 * 3600 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'profile',
        audience: RESOURCE,
        accessTokenTTL: 900,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});

/** A user's grant, as a consented authorization would leave it. */
async function grantFor(accountId: string) {
  const grant = new provider.Grant({ accountId, clientId: client.client_id });
  grant.addOIDCScope('openid offline_access profile');
  grant.addResourceScope(RESOURCE, 'profile');
  return grant.save();
}

const found = await provider.Client.find(client.client_id);
if (!found) throw new Error('client not registered');

const refreshTokens: string[] = [];
for (let i = 0; i < pool; i++) {
  const accountId = `user-${i}`;
  const grantId = await grantFor(accountId);
  const token = new provider.RefreshToken({
    accountId,
    client: found,
    grantId,
    gty: 'authorization_code',
    scope: 'offline_access profile',
    resource: RESOURCE,
  } as never);
  refreshTokens.push(await token.save());
}

// An opaque access token for userinfo (which takes no JWT access tokens) and for introspection
// (which refuses structured tokens: RFC 7662 is for opaque ones in oidc-provider).
const userGrant = await grantFor('user-me');
const opaque = new provider.AccessToken({
  accountId: 'user-me',
  client: found,
  grantId: userGrant,
  gty: 'authorization_code',
  scope: 'openid profile',
} as never);
const opaqueAccessToken = await opaque.save();

const server = provider.listen(port, '127.0.0.1', () =>
  console.log(`READY ${JSON.stringify({ url: issuer, ...client, refreshTokens, opaqueAccessToken })}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
