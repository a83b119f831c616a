import { useEffect, useState } from 'preact/hooks';
import {
  authorizationUrl,
  type FlowSettings,
  type HalProjectDetail,
  newCodeVerifier,
  newState,
  PROJECT_ACTIONS,
  requestProblem,
  s256,
} from '../flow/snippets';
import { useAsync } from '../hooks';
import { trpc } from '../trpc';
import { CopyButton, Load, ScopePicker } from '../ui';
import { FlowSnippets } from './app-snippets';

/** What the builder needs from RFC 8414 metadata (the same document every client reads). */
interface Metadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  protected_resources?: string[];
}

async function loadAll(id: string) {
  const metadata = fetch('/.well-known/oauth-authorization-server').then((r) => {
    if (!r.ok) throw new Error(`metadata answered ${r.status}`);
    return r.json() as Promise<Metadata>;
  });
  const [app, projects, resources, meta] = await Promise.all([
    trpc.apps.get.query({ id }),
    trpc.projects.list.query(),
    trpc.resources.list.query(),
    metadata,
  ]);
  return { app, projects, resources, meta };
}
type Loaded = Awaited<ReturnType<typeof loadAll>>;

/** One OAuth app: a live authorization URL builder and code flow snippets filled with its values. */
export function AppPage({ id }: { id: string }) {
  const data = useAsync(() => loadAll(id), [id]);
  return (
    <section>
      <p>
        <a href="#/apps">← OAuth apps</a>
      </p>
      <Load state={data}>{(d) => <AppDetail {...d} />}</Load>
    </section>
  );
}

const ANY_PROJECT = '*';

function AppDetail({ app, projects, resources, meta }: Loaded) {
  const allowed = app.allowed_scopes;
  const [scopes, setScopes] = useState<string[]>(
    allowed.includes('profile') ? ['profile'] : allowed.slice(0, 1),
  );
  const [project, setProject] = useState('');
  const offered = PROJECT_ACTIONS.filter(([, scope]) => allowed.includes(scope)).map(([a]) => a);
  const [actions, setActions] = useState<string[]>(offered.slice(0, 1));
  const [chosen, setChosen] = useState<string[]>([]);
  const [redirectUri, setRedirectUri] = useState(app.redirect_uris[0] ?? '');
  const [state, setState] = useState(newState);
  const [verifier, setVerifier] = useState(newCodeVerifier);
  const [challenge, setChallenge] = useState('');
  useEffect(() => {
    let live = true;
    s256(verifier).then((c) => live && setChallenge(c));
    return () => {
      live = false;
    };
  }, [verifier]);

  const halResources = meta.protected_resources ?? [`${meta.issuer}/api`, `${meta.issuer}/mcp`];
  // A registered resource defines its own scopes; they are requested alongside the app's.
  const foreignScopes = resources.filter((r) => chosen.includes(r.identifier)).flatMap((r) => r.scopes);
  const scopeOptions = [...allowed, ...foreignScopes.map((s) => s.name).filter((s) => !allowed.includes(s))];
  const toggleResource = (identifier: string, on: boolean) => {
    setChosen(on ? [...chosen, identifier] : chosen.filter((r) => r !== identifier));
    const own = resources.find((r) => r.identifier === identifier)?.scopes.map((s) => s.name) ?? [];
    if (!on) setScopes(scopes.filter((s) => allowed.includes(s) || !own.includes(s)));
  };

  const details: HalProjectDetail[] = project
    ? [{ type: 'hal_project', ...(project !== ANY_PROJECT && { project_id: project }), actions }]
    : [];
  const settings: FlowSettings = {
    issuer: meta.issuer,
    authorizationEndpoint: meta.authorization_endpoint,
    tokenEndpoint: meta.token_endpoint,
    appName: app.name,
    clientId: app.client_id,
    confidential: app.client_type === 'confidential',
    privateClient: app.kind === 'private',
    redirectUri,
    scopes: scopeOptions.filter((s) => scopes.includes(s)),
    details,
    resources: [...halResources, ...resources.map((r) => r.identifier)].filter((r) => chosen.includes(r)),
    state,
    codeVerifier: verifier,
    codeChallenge: challenge,
  };
  const url = challenge ? authorizationUrl(settings) : '';
  const problem = requestProblem(settings);

  return (
    <>
      <h1>{app.name}</h1>
      <p class="muted flow">
        {app.client_type} · {app.kind === 'private' ? 'private project client · ' : ''}
        <code data-testid="client-id">{app.client_id}</code>
      </p>

      <form class="panel flow" onSubmit={(e) => e.preventDefault()} aria-labelledby="builder-title">
        <h2 id="builder-title">Authorization URL</h2>
        <ScopePicker legend="Scopes" options={scopeOptions} value={scopes} onChange={setScopes} />

        <label for="flow-project">Project (authorization_details)</label>
        <select id="flow-project" value={project} onChange={(e) => setProject(e.currentTarget.value)}>
          <option value="">None</option>
          <option value={ANY_PROJECT}>The user picks one on the consent page</option>
          {projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        {project ? (
          <ScopePicker legend="Project actions" options={offered} value={actions} onChange={setActions} />
        ) : null}

        <fieldset>
          <legend>Resources (RFC 8707; none means {meta.issuer}/api)</legend>
          {[
            ...halResources.map((r) => [r, r] as const),
            ...resources.map((r) => [r.identifier, `${r.name} (${r.identifier})`] as const),
          ].map(([identifier, label]) => (
            <label class="check" key={identifier}>
              <input
                type="checkbox"
                checked={chosen.includes(identifier)}
                onChange={(e) => toggleResource(identifier, e.currentTarget.checked)}
              />
              {label}
            </label>
          ))}
        </fieldset>

        <label for="flow-redirect">Redirect URI</label>
        <select
          id="flow-redirect"
          value={redirectUri}
          onChange={(e) => setRedirectUri(e.currentTarget.value)}
        >
          {app.redirect_uris.map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>

        <label for="flow-state">State</label>
        <input id="flow-state" value={state} onInput={(e) => setState(e.currentTarget.value)} />

        <p class="muted">
          PKCE (S256), made in this page: code_verifier <code data-testid="code-verifier">{verifier}</code>,
          code_challenge <code data-testid="code-challenge">{challenge}</code>{' '}
          <button type="button" class="secondary small" onClick={() => setVerifier(newCodeVerifier())}>
            New verifier
          </button>
        </p>

        {problem ? (
          <p class="error" role="alert">
            {problem}
          </p>
        ) : null}
        <pre class="snippet" data-testid="authorize-url" aria-live="polite">
          {url}
        </pre>
        <div class="row">
          <CopyButton text={url} label="Copy URL" />
          <a href={url} target="_blank" rel="noopener noreferrer">
            Open in a new tab
          </a>
        </div>
      </form>

      {challenge ? <FlowSnippets settings={settings} /> : null}
    </>
  );
}
