import { meAdvice } from './curl';
import { callsMe, type FlowSettings, meUrl, oneLine, requestParams } from './settings';

/** A single-quoted PHP string: only the backslash and the quote are special. */
const php = (value: string) => `'${value.replace(/[\\']/g, '\\$&')}'`;
// `?>` ends PHP mode even inside a // comment.
const comment = (text: string) => oneLine(text).replace(/\?>/g, '? >');

/** The code flow as a PHP script on ext-curl (no Composer package needed). */
export function phpSnippet(s: FlowSettings): string {
  const params = requestParams(s)
    .map(([k, v]) => `    [${php(k)}, ${php(v)}],`)
    .join('\n');
  const auth = s.confidential
    ? `    // RFC 6749 §2.3.1: client_secret_basic, id and secret form-encoded before base64.
    $secret = getenv('HAL_CLIENT_SECRET'); // shown once when the app was registered
    curl_setopt($ch, CURLOPT_USERPWD, urlencode(CLIENT_ID) . ':' . urlencode($secret));`
    : `    $fields['client_id'] = CLIENT_ID; // a public app: no secret, PKCE binds the code`;
  const head = `<?php
// HAL code flow for ${comment(s.appName)}. Save as hal-flow.php, run: php hal-flow.php
const ISSUER = ${php(s.issuer)};
const AUTHORIZATION_ENDPOINT = ${php(s.authorizationEndpoint)};
const TOKEN_ENDPOINT = ${php(s.tokenEndpoint)};
const CLIENT_ID = ${php(s.clientId)};
const REDIRECT_URI = ${php(s.redirectUri)};

function base64url(string $bytes): string
{
    return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
}

function fail(string $message)
{
    fwrite(STDERR, $message . "\\n");
    exit(1);
}

function tokenRequest(array $fields): array
{
    $ch = curl_init(TOKEN_ENDPOINT);
${auth}
    curl_setopt_array($ch, [
        CURLOPT_POST => true,
        CURLOPT_POSTFIELDS => http_build_query($fields),
        CURLOPT_RETURNTRANSFER => true,
    ]);
    $body = curl_exec($ch);
    $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    if ($status !== 200) {
        fail("token endpoint answered $status: $body");
    }
    return json_decode($body, true);
}

// 1. A fresh PKCE verifier and state for every attempt (RFC 7636 §4.1, §4.2), then the URL.
$codeVerifier = base64url(random_bytes(32));
$codeChallenge = base64url(hash('sha256', $codeVerifier, true));
$state = base64url(random_bytes(16));
$params = [
${params}
    ['state', $state],
    ['code_challenge', $codeChallenge],
    ['code_challenge_method', 'S256'],
];
// Built by hand: http_build_query would turn a repeated resource into resource[0]=...
$query = implode('&', array_map(fn ($p) => rawurlencode($p[0]) . '=' . rawurlencode($p[1]), $params));
echo "Open this URL, approve, then paste the address you were sent to:\\n", AUTHORIZATION_ENDPOINT, '?', $query, "\\n> ";
parse_str(parse_url(trim(fgets(STDIN)), PHP_URL_QUERY) ?? '', $callback);

// 2. Check the redirect (RFC 6749 §10.12 state, RFC 9207 iss), then exchange the code.
if (isset($callback['error'])) {
    fail("authorization failed: {$callback['error']} " . ($callback['error_description'] ?? ''));
}
if (!hash_equals($state, $callback['state'] ?? '')) {
    fail('state does not match: start again');
}
if (($callback['iss'] ?? '') !== ISSUER) {
    fail('iss is not this HAL: start again');
}
$tokens = tokenRequest([
    'grant_type' => 'authorization_code',
    'code' => $callback['code'],
    'redirect_uri' => REDIRECT_URI,
    'code_verifier' => $codeVerifier,
]);
echo json_encode($tokens, JSON_PRETTY_PRINT), "\\n";
`;
  if (s.privateClient)
    return `${head}// A private project client receives the project's widget_secret, not tokens: keep it on your server.\n`;
  const me = callsMe(s)
    ? `
// 4. Call the API as the user.
$ch = curl_init(${php(meUrl(s))});
curl_setopt_array($ch, [
    CURLOPT_HTTPHEADER => ['Authorization: Bearer ' . $tokens['access_token']],
    CURLOPT_RETURNTRANSFER => true,
]);
echo curl_exec($ch), "\\n";
`
    : `\n${meAdvice(s, '//').join('\n')}\n`;
  return `${head}
// 3. Refresh: the refresh token rotates on every use, so keep the new one (RFC 6749 §6).
$tokens = tokenRequest(['grant_type' => 'refresh_token', 'refresh_token' => $tokens['refresh_token']]);
${me}`;
}
