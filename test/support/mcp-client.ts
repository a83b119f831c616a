import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Browser } from './browser';
import { authorizeInBrowser } from './oauth';

/** Where the test client says it receives the code: loopback, never listened on (the test reads the redirect). */
export const CLIENT_REDIRECT = 'http://127.0.0.1:8976/callback';

/**
 * The SDK's `OAuthClientProvider` as a desktop MCP client implements it, in memory. Sending the
 * user to the authorization URL is done by `browser` (a signed-in HAL user approving the consent
 * page); the code it is redirected with is kept for `transport.finishAuth`.
 */
export class TestOAuthProvider implements OAuthClientProvider {
  private info?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier = '';
  /** Every authorization URL the SDK opened, and the code of the last approval. */
  readonly authorizationUrls: URL[] = [];
  code?: string;

  constructor(
    private readonly browser: Browser,
    private readonly options: {
      clientMetadataUrl?: string;
      keepRefreshToken?: boolean;
      /** A client registered beforehand: the SDK then skips registration. */
      client?: OAuthClientInformationMixed;
    } = {},
  ) {
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
    this.info = options.client;
  }

  clientMetadataUrl?: string;
  readonly redirectUrl = CLIENT_REDIRECT;
  readonly clientMetadata: OAuthClientMetadata = {
    client_name: 'SDK test client',
    redirect_uris: [CLIENT_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };

  clientInformation = () => this.info;
  saveClientInformation = (info: OAuthClientInformationMixed) => {
    this.info = info;
  };
  tokens = () => this.saved;
  saveTokens = (tokens: OAuthTokens) => {
    const { refresh_token, ...rest } = tokens;
    this.saved = this.options.keepRefreshToken === false ? rest : tokens;
  };
  saveCodeVerifier = (verifier: string) => {
    this.verifier = verifier;
  };
  codeVerifier = () => this.verifier;

  async redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
    const params: Record<string, string[]> = {};
    for (const name of new Set(url.searchParams.keys())) params[name] = url.searchParams.getAll(name);
    const redirect = await authorizeInBrowser(this.browser, params);
    const code = redirect.searchParams.get('code');
    if (!code) throw new Error(`no code in the redirect: ${redirect.search}`);
    this.code = code;
  }
}

/**
 * Connects the SDK's client to `mcpUrl` from nothing: the first attempt meets the 401 and runs
 * discovery, registration and the consent (`provider.redirectToAuthorization`); the code is
 * exchanged with `finishAuth`, and a second connection carries the token.
 */
export async function connectWithOAuth(
  mcpUrl: string,
  provider: TestOAuthProvider,
  options: { fetch?: typeof fetch } = {},
) {
  const transport = () =>
    new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider, ...options });
  const first = transport();
  const unauthorized = await new Client({ name: 'sdk-test', version: '1.0.0' }).connect(first).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!provider.code) throw new Error(`the client did not start authorization: ${String(unauthorized)}`);
  await first.finishAuth(provider.code);
  const client = new Client({ name: 'sdk-test', version: '1.0.0' });
  const connected = transport();
  await client.connect(connected);
  return { client, transport: connected, unauthorized };
}
