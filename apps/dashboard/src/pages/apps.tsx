import { OAUTH_SCOPES } from '@hal/core/scopes';
import { useState } from 'preact/hooks';
import { useAction, useAsync } from '../hooks';
import { trpc } from '../trpc';
import { ConfirmButton, Empty, ErrorBox, Load, ScopePicker, SecretOnce } from '../ui';

/** OAuth apps: register, edit redirect URIs, rotate the secret, delete; each name opens its page. */
export function AppsPage() {
  const apps = useAsync(() => trpc.apps.list.query());
  const [secret, setSecret] = useState<{ label: string; value: string }>();
  const action = useAction();

  return (
    <section>
      <h1>OAuth apps</h1>
      {secret ? (
        <SecretOnce label={secret.label} value={secret.value} onDone={() => setSecret(undefined)} />
      ) : null}
      <RegisterApp
        onCreated={(name, value) => {
          apps.reload();
          if (value) setSecret({ label: `Client secret of ${name}`, value });
        }}
      />
      <ErrorBox error={action.error} />
      <Load state={apps}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No apps registered yet.</Empty>
          ) : (
            <ul class="cards">
              {list.map((a) => (
                <li key={a.id} data-testid="app">
                  <strong>
                    <a href={`#/apps/${a.id}`}>{a.name}</a>
                  </strong>
                  <span class="muted">
                    {a.client_type} · <code>{a.client_id}</code>
                  </span>
                  <EditRedirects app={a} onSaved={apps.reload} />
                  <div class="row">
                    {a.client_type === 'confidential' ? (
                      <ConfirmButton
                        label="Rotate secret"
                        confirm="Rotate? Existing refresh tokens of this app stop working."
                        onConfirm={async () => {
                          const r = await action.run(() => trpc.apps.rotateSecret.mutate({ id: a.id }));
                          if (r?.client_secret)
                            setSecret({ label: `New client secret of ${a.name}`, value: r.client_secret });
                        }}
                      />
                    ) : null}
                    <ConfirmButton
                      label="Delete"
                      confirm={`Delete ${a.name} and every token it holds?`}
                      onConfirm={async () => {
                        if (await action.run(() => trpc.apps.delete.mutate({ id: a.id }))) apps.reload();
                      }}
                    />
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </section>
  );
}

function RegisterApp({ onCreated }: { onCreated: (name: string, secret?: string) => void }) {
  const [name, setName] = useState('');
  const [redirects, setRedirects] = useState('');
  const [type, setType] = useState<'confidential' | 'public'>('confidential');
  const [scopes, setScopes] = useState<string[]>(['profile', 'widget:serve']);
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const created = await action.run(() =>
      trpc.apps.create.mutate({
        name,
        redirect_uris: redirects.split(/\s+/).filter(Boolean),
        client_type: type,
        kind: 'public',
        allowed_scopes: scopes,
      }),
    );
    if (created) {
      setName('');
      setRedirects('');
      onCreated(created.name, 'client_secret' in created ? created.client_secret : undefined);
    }
  };

  return (
    <form onSubmit={submit} class="panel">
      <h2>Register an app</h2>
      <label for="app-name">Name</label>
      <input
        id="app-name"
        required
        maxLength={100}
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <label for="app-redirects">Redirect URIs (one per line)</label>
      <textarea
        id="app-redirects"
        required
        rows={2}
        value={redirects}
        onInput={(e) => setRedirects(e.currentTarget.value)}
      />
      <label for="app-type">Client type</label>
      <select
        id="app-type"
        value={type}
        onChange={(e) => setType(e.currentTarget.value as 'confidential' | 'public')}
      >
        <option value="confidential">Confidential (server, has a secret)</option>
        <option value="public">Public (browser or native, PKCE only)</option>
      </select>
      <ScopePicker legend="Allowed scopes" options={OAUTH_SCOPES} value={scopes} onChange={setScopes} />
      <button type="submit" disabled={action.busy}>
        Register app
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}

function EditRedirects({
  app,
  onSaved,
}: {
  app: { id: string; redirect_uris: string[] };
  onSaved: () => void;
}) {
  const [value, setValue] = useState(app.redirect_uris.join('\n'));
  const action = useAction();
  const save = async (e: Event) => {
    e.preventDefault();
    if (
      await action.run(() =>
        trpc.apps.update.mutate({ id: app.id, redirect_uris: value.split(/\s+/).filter(Boolean) }),
      )
    )
      onSaved();
  };
  return (
    <form onSubmit={save}>
      <label for={`redirects-${app.id}`}>Redirect URIs</label>
      <textarea
        id={`redirects-${app.id}`}
        rows={2}
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <button type="submit" class="secondary small" disabled={action.busy}>
        Save redirect URIs
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}
