import { meAdvice } from './curl';
import { callsMe, type FlowSettings, meUrl, oneLine, requestParams } from './settings';

const js = (value: string) => JSON.stringify(value);

/**
 * The code flow as a Node script with oauth4webapi: discovery, PKCE and state, the authorization
 * URL, the redirect's checks (state, RFC 9207 iss), exchange, refresh, GET /api/v1/auth/me.
 */
export function javascriptSnippet(s: FlowSettings): string {
  const insecure = s.issuer.startsWith('http:');
  const opts = insecure ? ', options' : '';
  const params = requestParams(s)
    .map(([k, v]) => `url.searchParams.append(${js(k)}, ${js(v)});`)
    .join('\n');
  const lines = [
    `// HAL code flow for ${oneLine(s.appName)}. npm install oauth4webapi, save as hal-flow.mjs, run: node hal-flow.mjs`,
    "import { createInterface } from 'node:readline/promises';",
    "import * as oauth from 'oauth4webapi';",
    '',
    `const issuer = new URL(${js(s.issuer)});`,
    ...(insecure
      ? [
          '// This HAL is served over http (development): the library refuses http unless told.',
          'const options = { [oauth.allowInsecureRequests]: true };',
        ]
      : []),
    '// RFC 8414 discovery: HAL publishes /.well-known/oauth-authorization-server.',
    `const discovery = await oauth.discoveryRequest(issuer, { ${insecure ? '...options, ' : ''}algorithm: 'oauth2' });`,
    'const as = await oauth.processDiscoveryResponse(issuer, discovery);',
    `const client = { client_id: ${js(s.clientId)} };`,
    s.confidential
      ? '// The client secret shown once when the app was registered: never in the code.\nconst clientAuth = oauth.ClientSecretBasic(process.env.HAL_CLIENT_SECRET);'
      : '// A public app has no secret: PKCE alone binds the code to this script.\nconst clientAuth = oauth.None();',
    `const redirectUri = ${js(s.redirectUri)};`,
    '',
    '// 1. A fresh PKCE verifier and state for every attempt (RFC 7636 §4.1), then the authorization URL.',
    'const codeVerifier = oauth.generateRandomCodeVerifier();',
    'const state = oauth.generateRandomState();',
    'const url = new URL(as.authorization_endpoint);',
    params,
    "url.searchParams.set('state', state);",
    "url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));",
    "url.searchParams.set('code_challenge_method', 'S256');",
    "console.log('Open this URL, approve, then paste the address you were sent to:');",
    'console.log(url.href);',
    'const rl = createInterface({ input: process.stdin, output: process.stdout });',
    "const callback = new URL((await rl.question('> ')).trim());",
    'rl.close();',
    '',
    '// 2. Check state and iss (RFC 9207), then exchange the code with the verifier.',
    'const params = oauth.validateAuthResponse(as, client, callback, state);',
    `const codeResponse = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, codeVerifier${opts});`,
  ];
  if (s.privateClient) {
    lines.push(
      "// A private project client receives the project's widget_secret, not tokens: keep it on your server.",
      'console.log(codeResponse.status, await codeResponse.json());',
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    'let tokens = await oauth.processAuthorizationCodeResponse(as, client, codeResponse);',
    'console.log(tokens);',
    '',
    '// 3. Refresh: the refresh token rotates on every use, so keep the new one (RFC 6749 §6).',
    `const refreshResponse = await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token${opts});`,
    'tokens = await oauth.processRefreshTokenResponse(as, client, refreshResponse);',
    '',
  );
  if (callsMe(s))
    lines.push(
      '// 4. Call the API as the user.',
      `const me = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(${js(meUrl(s))}), undefined, undefined${opts});`,
      'console.log(me.status, await me.json());',
    );
  else lines.push(...meAdvice(s, '//'), 'console.log(tokens);');
  return `${lines.join('\n')}\n`;
}
