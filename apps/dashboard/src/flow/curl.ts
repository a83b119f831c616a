import { authorizationUrl, callsMe, type FlowSettings, meUrl, oneLine } from './settings';

/** A shell word in single quotes, whatever it holds. */
export const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The code flow as a bash script of curl calls (jq reads the JSON), using the page's URL and
 * verifier: exchange (RFC 6749 §4.1.3), refresh (§6), then GET /api/v1/auth/me.
 */
export function curlSnippet(s: FlowSettings): string {
  // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic; HAL's are already URL-safe.
  const auth = s.confidential
    ? `-u ${sh(s.clientId)}:"$HAL_CLIENT_SECRET"`
    : `--data-urlencode client_id=${sh(s.clientId)}`;
  const lines = [
    '#!/usr/bin/env bash',
    `# HAL code flow for ${oneLine(s.appName)} with curl and jq. Save as hal-flow.sh, run: bash hal-flow.sh`,
    'set -euo pipefail',
    ...(s.confidential
      ? [
          '# The client secret shown once when the app was registered (or its secret was rotated).',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
          ': "${HAL_CLIENT_SECRET:?export HAL_CLIENT_SECRET=hal_cs_...}"',
        ]
      : []),
    '',
    '# POSTs to the token endpoint: prints its JSON, or its error on stderr and stops.',
    'token_request() {',
    `  curl -sS --fail-with-body -X POST ${sh(s.tokenEndpoint)} ${auth} "$@"`,
    '}',
    '',
    '# 1. Open this URL in a browser and approve; HAL sends you to the redirect URI with ?code=...',
    `echo ${sh(authorizationUrl(s))}`,
    `# The address you land on must carry state=${s.state} and iss=${s.issuer} (RFC 9207).`,
    `read -r -p 'Code from the address you were sent to: ' CODE`,
    `CODE_VERIFIER=${sh(s.codeVerifier)}`,
    '',
    '# 2. Exchange the code with the PKCE verifier (RFC 7636 §4.5).',
    `TOKENS=$(token_request \\
  --data-urlencode grant_type=authorization_code \\
  --data-urlencode "code=$CODE" \\
  --data-urlencode redirect_uri=${sh(s.redirectUri)} \\
  --data-urlencode "code_verifier=$CODE_VERIFIER") || { echo "$TOKENS" >&2; exit 1; }`,
    'echo "$TOKENS" | jq .',
  ];
  if (s.privateClient) {
    lines.push(
      "# A private project client receives the project's widget_secret here, not tokens: keep it on your server.",
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    '',
    '# 3. Refresh: the refresh token rotates on every use, so keep the new one (RFC 6749 §6).',
    `TOKENS=$(token_request \\
  --data-urlencode grant_type=refresh_token \\
  --data-urlencode "refresh_token=$(echo "$TOKENS" | jq -r .refresh_token)") || { echo "$TOKENS" >&2; exit 1; }`,
    'ACCESS_TOKEN=$(echo "$TOKENS" | jq -r .access_token)',
    '',
  );
  if (callsMe(s))
    lines.push(
      '# 4. Call the API as the user.',
      `curl -sS --fail-with-body ${sh(meUrl(s))} -H "Authorization: Bearer $ACCESS_TOKEN" | jq .`,
    );
  else lines.push(...meAdvice(s, '#'));
  return `${lines.join('\n')}\n`;
}

/** Why the last step does not call /api/v1/auth/me, as comment lines. */
export function meAdvice(s: FlowSettings, comment: string): string[] {
  return [
    `${comment} 4. Send the access token as "Authorization: Bearer <token>" to ${s.resources.join(', ') || 'the API'}.`,
    `${comment}    (GET ${meUrl(s)} answers only a token for ${s.issuer}/api with the profile scope.)`,
  ];
}
