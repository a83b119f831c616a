import { useAction, useAsync } from '../hooks';
import { trpc } from '../trpc';
import { ConfirmButton, Empty, ErrorBox, Load, when } from '../ui';

/** Apps the user connected (grants): what they may do, and a revoke button. */
export function ConnectionsPage() {
  const connections = useAsync(() => trpc.connections.list.query());
  const action = useAction();
  return (
    <section>
      <h1>Connected apps</h1>
      <ErrorBox error={action.error} />
      <Load state={connections}>
        {(list) =>
          list.length === 0 ? (
            <Empty>You have not connected any app.</Empty>
          ) : (
            <ul class="cards">
              {list.map((g) => (
                <li key={g.id} data-testid="connection">
                  <strong>{g.app.name || 'Unnamed application'}</strong>
                  {g.app.verified ? null : (
                    <span class="badge" title="This app registered itself; HAL does not know who runs it">
                      not verified
                    </span>
                  )}
                  <span class="muted">
                    {g.scopes.join(' ') || 'details only'}
                    {g.project_id ? ` · project ${g.project_id}` : ''}
                    {g.resources.length > 0 ? ` · for ${g.resources.join(', ')}` : ''}
                  </span>
                  <span class="muted">
                    Approved {when(g.approved_at)} · last used {when(g.last_used_at)}
                  </span>
                  <ConfirmButton
                    label="Revoke access"
                    confirm={`Revoke ${g.app.name || 'this app'}? Its tokens stop working at once.`}
                    onConfirm={async () => {
                      if (await action.run(() => trpc.connections.revoke.mutate({ id: g.id })))
                        connections.reload();
                    }}
                  />
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </section>
  );
}
