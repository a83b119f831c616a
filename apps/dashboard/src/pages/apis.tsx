import { useState } from 'preact/hooks';
import { useAction, useAsync } from '../hooks';
import { trpc } from '../trpc';
import { ConfirmButton, CopyButton, Empty, ErrorBox, Load, SecretOnce, when } from '../ui';

type Scope = { name: string; description: string };
type Resource = {
  id: string;
  name: string;
  identifier: string;
  scopes: Scope[];
  access_token_ttl: number | null;
};

/** The resource's RFC 9728 document on HAL (public). */
export const metadataUrl = (origin: string, id: string) => `${origin}/api/v1/resources/${id}/metadata`;

/** A ready check of HAL's access tokens in the resource server, with jose. */
export const verifySnippet = (issuer: string, audience: string) =>
  `import { createRemoteJWKSet, jwtVerify } from 'jose';

const jwks = createRemoteJWKSet(new URL('${issuer}/.well-known/jwks.json'));

export async function verify(token) {
  const { payload } = await jwtVerify(token, jwks, {
    issuer: '${issuer}',
    audience: '${audience}',
  });
  return payload; // payload.sub, payload.scope
}
`;

/** APIs (resource servers): register, edit scopes, rotate the introspection secret, delete. */
export function ApisPage() {
  const resources = useAsync(() => trpc.resources.list.query());
  const [secret, setSecret] = useState<{ label: string; value: string }>();
  const action = useAction();

  return (
    <section>
      <h1>APIs</h1>
      {secret ? (
        <SecretOnce label={secret.label} value={secret.value} onDone={() => setSecret(undefined)} />
      ) : null}
      <RegisterResource
        onCreated={(name, value) => {
          resources.reload();
          setSecret({ label: `Introspection secret of ${name}`, value });
        }}
      />
      <ErrorBox error={action.error} />
      <Load state={resources}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No APIs registered yet.</Empty>
          ) : (
            <ul class="cards">
              {list.map((r) => (
                <li key={r.id} data-testid="resource">
                  <strong>{r.name}</strong>
                  <span class="muted">
                    <code>{r.identifier}</code> · <code>{r.id}</code>
                    {r.access_token_ttl ? ` · tokens live ${r.access_token_ttl} s` : ''}
                  </span>
                  <p>
                    Metadata document:{' '}
                    <code data-testid="metadata-url">{metadataUrl(location.origin, r.id)}</code>{' '}
                    <CopyButton text={metadataUrl(location.origin, r.id)} label="Copy URL" />
                  </p>
                  <details>
                    <summary>Verify HAL's access tokens</summary>
                    <pre class="snippet" data-testid="verify-snippet">
                      {verifySnippet(location.origin, r.identifier)}
                    </pre>
                    <CopyButton text={verifySnippet(location.origin, r.identifier)} label="Copy snippet" />
                  </details>
                  <Holders id={r.id} />
                  <EditResource resource={r} onSaved={resources.reload} />
                  <div class="row">
                    <ConfirmButton
                      label="Rotate secret"
                      confirm="Rotate? The old introspection secret stops working at once."
                      onConfirm={async () => {
                        const x = await action.run(() => trpc.resources.rotateSecret.mutate({ id: r.id }));
                        if (x)
                          setSecret({
                            label: `New introspection secret of ${r.name}`,
                            value: x.introspection_secret,
                          });
                      }}
                    />
                    <ConfirmButton
                      label="Delete"
                      confirm={`Delete ${r.name}? Every grant that names it is revoked.`}
                      onConfirm={async () => {
                        if (await action.run(() => trpc.resources.delete.mutate({ id: r.id })))
                          resources.reload();
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

/** Scope rows: name and description, add and remove. */
function ScopeRows({ id, value, onChange }: { id: string; value: Scope[]; onChange: (s: Scope[]) => void }) {
  const set = (i: number, patch: Partial<Scope>) =>
    onChange(value.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  return (
    <fieldset>
      <legend>Scopes</legend>
      {value.map((s, i) => (
        <div class="row" key={i} data-testid="scope-row">
          <input
            id={`${id}-scope-${i}`}
            aria-label={`Scope ${i + 1} name`}
            placeholder="read:things"
            required
            value={s.name}
            onInput={(e) => set(i, { name: e.currentTarget.value })}
          />
          <input
            id={`${id}-scope-${i}-description`}
            aria-label={`Scope ${i + 1} description`}
            placeholder="Read your things"
            required
            maxLength={200}
            value={s.description}
            onInput={(e) => set(i, { description: e.currentTarget.value })}
          />
          {value.length > 1 ? (
            <button
              type="button"
              class="secondary small"
              onClick={() => onChange(value.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          ) : null}
        </div>
      ))}
      <button
        type="button"
        class="secondary small"
        onClick={() => onChange([...value, { name: '', description: '' }])}
      >
        Add scope
      </button>
    </fieldset>
  );
}

function RegisterResource({ onCreated }: { onCreated: (name: string, secret: string) => void }) {
  const [name, setName] = useState('');
  const [identifier, setIdentifier] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([{ name: '', description: '' }]);
  const [ttl, setTtl] = useState('');
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const created = await action.run(() =>
      trpc.resources.create.mutate({
        name,
        identifier,
        scopes,
        ...(ttl ? { access_token_ttl: Number(ttl) } : {}),
      }),
    );
    if (created) {
      setName('');
      setIdentifier('');
      setScopes([{ name: '', description: '' }]);
      setTtl('');
      onCreated(created.name, created.introspection_secret);
    }
  };

  return (
    <form onSubmit={submit} class="panel">
      <h2>Register an API</h2>
      <label for="rs-name">Name</label>
      <input
        id="rs-name"
        required
        maxLength={100}
        value={name}
        onInput={(e) => setName(e.currentTarget.value)}
      />
      <label for="rs-identifier">Identifier (the API's URL, the tokens' audience)</label>
      <input
        id="rs-identifier"
        type="url"
        required
        placeholder="https://api.example.com"
        value={identifier}
        onInput={(e) => setIdentifier(e.currentTarget.value)}
      />
      <ScopeRows id="rs" value={scopes} onChange={setScopes} />
      <label for="rs-ttl">Access token lifetime in seconds (optional, 60 to 28800)</label>
      <input
        id="rs-ttl"
        type="number"
        min={60}
        max={28800}
        value={ttl}
        onInput={(e) => setTtl(e.currentTarget.value)}
      />
      <button type="submit" disabled={action.busy}>
        Register API
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}

function EditResource({ resource, onSaved }: { resource: Resource; onSaved: () => void }) {
  const [name, setName] = useState(resource.name);
  const [scopes, setScopes] = useState<Scope[]>(resource.scopes);
  const action = useAction();
  const save = async (e: Event) => {
    e.preventDefault();
    if (await action.run(() => trpc.resources.update.mutate({ id: resource.id, name, scopes }))) onSaved();
  };
  return (
    <details>
      <summary>Edit name and scopes</summary>
      <form onSubmit={save}>
        <label for={`name-${resource.id}`}>Name</label>
        <input
          id={`name-${resource.id}`}
          required
          maxLength={100}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <ScopeRows id={resource.id} value={scopes} onChange={setScopes} />
        <button type="submit" class="secondary small" disabled={action.busy}>
          Save
        </button>
        <ErrorBox error={action.error} />
      </form>
    </details>
  );
}

/** Who holds access to the resource: users and the apps they connected, from live grants naming it. */
function Holders({ id }: { id: string }) {
  const holders = useAsync(() => trpc.resources.connections.query({ id }), [id]);
  return (
    <div>
      <h3>Connections</h3>
      <Load state={holders}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">No one holds access to this API yet.</p>
          ) : (
            <div>
              {list.map((c) => (
                <p key={c.id} data-testid="resource-connection">
                  {c.user.name} ({c.user.email}) via {c.app.name}{' '}
                  <span class="muted">
                    · {c.scopes.join(' ')} · approved {when(c.approved_at)} · last used {when(c.last_used_at)}
                  </span>
                </p>
              ))}
            </div>
          )
        }
      </Load>
    </div>
  );
}
