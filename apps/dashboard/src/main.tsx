import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { useAsync, useRoute } from './hooks';
import { ApisPage } from './pages/apis';
import { AppPage } from './pages/app';
import { AppsPage } from './pages/apps';
import { AuditPage } from './pages/audit';
import { ConnectionsPage } from './pages/connections';
import { ProjectPage } from './pages/project';
import { ProjectsPage } from './pages/projects';
import { TokensPage } from './pages/tokens';
import './styles.css';
import { isUnauthorized, trpc } from './trpc';
import { Load } from './ui';

const NAV = [
  ['projects', 'Projects'],
  ['apps', 'OAuth apps'],
  ['apis', 'APIs'],
  ['tokens', 'Tokens'],
  ['connections', 'Connected apps'],
  ['audit', 'Audit log'],
] as const;

const signIn = () =>
  location.assign(`/login?return_to=${encodeURIComponent(location.pathname + location.hash)}`);

function App() {
  // Ask whether a session exists first, so a signed-out visitor is redirected without a 401.
  const me = useAsync(async () => {
    if (!(await trpc.me.session.query()).signed_in) {
      signIn();
      return new Promise<never>(() => {});
    }
    return trpc.me.get.query();
  });
  const [section = 'projects', id] = useRoute();
  useEffect(() => {
    if (isUnauthorized(me.error)) signIn();
  }, [me.error]);

  return (
    <Load state={me}>
      {(user) => (
        <div class="shell">
          <header>
            <a class="brand" href="#/projects">
              HAL
            </a>
            <nav aria-label="Main">
              {NAV.map(([key, label]) => (
                <a key={key} href={`#/${key}`} aria-current={section === key ? 'page' : undefined}>
                  {label}
                </a>
              ))}
            </nav>
            <span class="who">
              {user.name} · <a href="/logout">Sign out</a>
            </span>
          </header>
          <main>
            {section === 'projects' && id ? <ProjectPage id={id} /> : null}
            {section === 'projects' && !id ? <ProjectsPage /> : null}
            {section === 'apps' && id ? <AppPage id={id} /> : null}
            {section === 'apps' && !id ? <AppsPage /> : null}
            {section === 'apis' ? <ApisPage /> : null}
            {section === 'tokens' ? <TokensPage /> : null}
            {section === 'connections' ? <ConnectionsPage /> : null}
            {section === 'audit' ? <AuditPage /> : null}
          </main>
        </div>
      )}
    </Load>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
