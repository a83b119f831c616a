import { useState } from 'preact/hooks';
import { useAction, useAsync } from '../hooks';
import { trpc } from '../trpc';
import { ConfirmButton, Empty, ErrorBox, Load, SecretOnce, when } from '../ui';

type Secret = { label: string; value: string };

/**
 * A project's private clients (the HAL guide's legacy per-project OAuth clients): their code
 * exchange returns this project's widget app id and identity secret instead of tokens. Members
 * see the list; owners and admins create, rotate and delete.
 */
export function PrivateClients({ projectId, canManage }: { projectId: string; canManage: boolean }) {
  const clients = useAsync(() => trpc.projects.clients.list.query({ project_id: projectId }), [projectId]);
  const [secret, setSecret] = useState<Secret>();
  const action = useAction();

  return (
    <section aria-labelledby="private-clients">
      <h2 id="private-clients">Private clients</h2>
      <p class="muted">
        For a one-off integration your team owns. Its authorization code exchange returns this project's
        widget app id and identity secret, not tokens. To let other products connect, register an OAuth app
        instead.
      </p>
      {secret ? (
        <SecretOnce label={secret.label} value={secret.value} onDone={() => setSecret(undefined)} />
      ) : null}
      {canManage ? (
        <NewClient
          projectId={projectId}
          onCreated={(s) => {
            setSecret(s);
            clients.reload();
          }}
        />
      ) : null}
      <ErrorBox error={action.error} />
      <Load state={clients}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No private clients yet.</Empty>
          ) : (
            <ul class="cards">
              {list.map((c) => (
                <li key={c.id} data-testid="private-client">
                  <strong>{c.name}</strong>
                  <span class="muted">
                    Client id <code>{c.client_id}</code> · created {when(c.created_at)}
                  </span>
                  {c.description ? <span>{c.description}</span> : null}
                  <span>
                    Redirect URIs:{' '}
                    {c.redirect_uris.map((uri, i) => (
                      <span key={uri}>
                        {i > 0 ? ', ' : null}
                        <code>{uri}</code>
                      </span>
                    ))}
                  </span>
                  {canManage ? (
                    <div class="row">
                      <ConfirmButton
                        label="Rotate secret"
                        confirm={`Rotate the secret of ${c.name}? The old secret stops working at once.`}
                        disabled={action.busy}
                        onConfirm={async () => {
                          const r = await action.run(() =>
                            trpc.projects.clients.rotateSecret.mutate({ project_id: projectId, id: c.id }),
                          );
                          if (r)
                            setSecret({ label: `New client secret of ${c.name}`, value: r.client_secret });
                        }}
                      />
                      <ConfirmButton
                        label="Delete"
                        confirm={`Delete ${c.name}? Its client id stops working at once.`}
                        disabled={action.busy}
                        onConfirm={async () => {
                          const done = await action.run(() =>
                            trpc.projects.clients.delete.mutate({ project_id: projectId, id: c.id }),
                          );
                          if (done) {
                            setSecret(undefined);
                            clients.reload();
                          }
                        }}
                      />
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </section>
  );
}

function NewClient({ projectId, onCreated }: { projectId: string; onCreated: (secret: Secret) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [redirects, setRedirects] = useState('');
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const created = await action.run(() =>
      trpc.projects.clients.create.mutate({
        project_id: projectId,
        name,
        description: description || undefined,
        redirect_uris: redirects.split(/\s+/).filter(Boolean),
      }),
    );
    if (created) {
      setName('');
      setDescription('');
      setRedirects('');
      onCreated({ label: `Client secret of ${created.name}`, value: created.client_secret });
    }
  };

  return (
    <form onSubmit={submit} class="panel" aria-label="New private client">
      <label for="client-name">Client name</label>
      <input
        id="client-name"
        required
        maxLength={100}
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <label for="client-description">Description (optional)</label>
      <input
        id="client-description"
        maxLength={500}
        value={description}
        onInput={(e) => setDescription(e.currentTarget.value)}
      />
      <label for="client-redirects">Redirect URIs (one per line)</label>
      <textarea
        id="client-redirects"
        required
        rows={2}
        value={redirects}
        onInput={(e) => setRedirects(e.currentTarget.value)}
      />
      <button type="submit" disabled={action.busy}>
        Create private client
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}
