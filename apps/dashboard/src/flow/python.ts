import { meAdvice } from './curl';
import { callsMe, type FlowSettings, meUrl, oneLine, requestParams } from './settings';

// A JSON string is a valid Python string literal (same escapes, \uXXXX included).
const py = (value: string) => JSON.stringify(value);

/** The code flow as a Python 3 script on the standard library alone (urllib). */
export function pythonSnippet(s: FlowSettings): string {
  const params = requestParams(s)
    .map(([k, v]) => `    (${py(k)}, ${py(v)}),`)
    .join('\n');
  const auth = s.confidential
    ? `    # RFC 6749 §2.3.1: client_secret_basic, id and secret form-encoded before base64.
    secret = os.environ["HAL_CLIENT_SECRET"]  # shown once when the app was registered
    basic = f"{urllib.parse.quote_plus(CLIENT_ID)}:{urllib.parse.quote_plus(secret)}"
    headers["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()`
    : `    fields = {**fields, "client_id": CLIENT_ID}  # a public app: no secret, PKCE binds the code`;
  const head = `# HAL code flow for ${oneLine(s.appName)}. Save as hal_flow.py, run: python3 hal_flow.py
import base64
import hashlib
import json
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

ISSUER = ${py(s.issuer)}
AUTHORIZATION_ENDPOINT = ${py(s.authorizationEndpoint)}
TOKEN_ENDPOINT = ${py(s.tokenEndpoint)}
CLIENT_ID = ${py(s.clientId)}
REDIRECT_URI = ${py(s.redirectUri)}


def token_request(fields):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
${auth}
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(TOKEN_ENDPOINT, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"token endpoint answered {error.code}: {error.read().decode()}")


# 1. A fresh PKCE verifier and state for every attempt (RFC 7636 §4.1, §4.2), then the URL.
code_verifier = secrets.token_urlsafe(32)
digest = hashlib.sha256(code_verifier.encode()).digest()
code_challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
state = secrets.token_urlsafe(16)
query = urllib.parse.urlencode([
${params}
    ("state", state),
    ("code_challenge", code_challenge),
    ("code_challenge_method", "S256"),
])
print("Open this URL, approve, then paste the address you were sent to:")
print(f"{AUTHORIZATION_ENDPOINT}?{query}")
callback = urllib.parse.parse_qs(urllib.parse.urlsplit(input("> ").strip()).query)

# 2. Check the redirect (RFC 6749 §10.12 state, RFC 9207 iss), then exchange the code.
if "error" in callback:
    sys.exit(f"authorization failed: {callback['error'][0]} {callback.get('error_description', [''])[0]}")
if not secrets.compare_digest(callback.get("state", [""])[0], state):
    sys.exit("state does not match: start again")
if callback.get("iss", [""])[0] != ISSUER:
    sys.exit("iss is not this HAL: start again")
tokens = token_request({
    "grant_type": "authorization_code",
    "code": callback["code"][0],
    "redirect_uri": REDIRECT_URI,
    "code_verifier": code_verifier,
})
print(json.dumps(tokens, indent=2))
`;
  if (s.privateClient)
    return `${head}# A private project client receives the project's widget_secret, not tokens: keep it on your server.\n`;
  const me = callsMe(s)
    ? `
# 4. Call the API as the user.
request = urllib.request.Request(${py(meUrl(s))}, headers={"Authorization": f"Bearer {tokens['access_token']}"})
with urllib.request.urlopen(request) as response:
    print(json.dumps(json.load(response), indent=2))
`
    : `\n${meAdvice(s, '#').join('\n')}\n`;
  return `${head}
# 3. Refresh: the refresh token rotates on every use, so keep the new one (RFC 6749 §6).
tokens = token_request({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
${me}`;
}
