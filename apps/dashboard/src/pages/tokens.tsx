import { PAT_SCOPES, type Scope } from '@hal/core/scopes';
import { useState } from 'preact/hooks';
import { useAction, useAsync } from '../hooks';
import { trpc } from '../trpc';
import { ConfirmButton, Empty, ErrorBox, Load, ScopePicker, SecretOnce, when } from '../ui';

/** Personal access tokens: create with scopes and expiry, list, revoke. */
export function TokensPage() {
  const tokens = useAsync(() => trpc.tokens.list.query());
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['profile']);
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<string>();
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const expires_at =
      days === 'never' ? undefined : new Date(Date.now() + Number(days) * 86_400_000).toISOString();
    const pat = await action.run(() =>
      trpc.tokens.create.mutate({ name, scopes: scopes as Scope[], expires_at }),
    );
    if (pat) {
      setCreated(pat.token);
      setName('');
      tokens.reload();
    }
  };

  return (
    <section>
      <h1>Personal access tokens</h1>
      {created ? <SecretOnce label="New token" value={created} onDone={() => setCreated(undefined)} /> : null}
      <form onSubmit={submit} class="panel">
        <h2>Create a token</h2>
        <label for="pat-name">Name</label>
        <input
          id="pat-name"
          required
          maxLength={100}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <ScopePicker legend="Scopes" options={PAT_SCOPES} value={scopes} onChange={setScopes} />
        <label for="pat-expiry">Expires</label>
        <select id="pat-expiry" value={days} onChange={(e) => setDays(e.currentTarget.value)}>
          <option value="30">in 30 days</option>
          <option value="90">in 90 days</option>
          <option value="365">in one year</option>
          <option value="never">never (not recommended)</option>
        </select>
        <button type="submit" disabled={action.busy || scopes.length === 0}>
          Create token
        </button>
        <ErrorBox error={action.error} />
      </form>
      <Load state={tokens}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No tokens yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Token</th>
                  <th>Scopes</th>
                  <th>Expires</th>
                  <th>Last used</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>
                      <code>{t.prefix}…</code>
                    </td>
                    <td>{t.scopes.join(' ')}</td>
                    <td>{when(t.expires_at)}</td>
                    <td>{when(t.last_used_at)}</td>
                    <td>
                      <ConfirmButton
                        label="Revoke"
                        confirm={`Revoke ${t.name}?`}
                        onConfirm={async () => {
                          if (await action.run(() => trpc.tokens.revoke.mutate({ id: t.id })))
                            tokens.reload();
                        }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Load>
    </section>
  );
}
