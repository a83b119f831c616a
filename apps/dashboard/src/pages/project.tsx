import { widgetSnippet } from '@hal/core/widget-snippet';
import { useState } from 'preact/hooks';
import { useAction, useAsync } from '../hooks';
import { trpc } from '../trpc';
import { ConfirmButton, CopyButton, Empty, ErrorBox, Load, SecretOnce, when } from '../ui';
import { PrivateClients } from './project-clients';

/** The embed snippet of the contract, filled with the project's public widget app id. */
export const snippet = widgetSnippet;

/** One project's settings: snippet, allowed origins, members, identity secret, private clients, identified users. */
export function ProjectPage({ id }: { id: string }) {
  const project = useAsync(() => trpc.projects.get.query({ id }), [id]);
  return (
    <Load state={project}>
      {(p) => (
        <section>
          <p>
            <a href="#/projects">← Projects</a>
          </p>
          <h1>{p.name}</h1>
          <p class="muted">
            Your role: {p.role}. Widget app id: <code>{p.app_id}</code>
          </p>
          <h2>Embed snippet</h2>
          <pre class="snippet" data-testid="snippet">
            {snippet(p.app_id, location.origin)}
          </pre>
          <CopyButton text={snippet(p.app_id, location.origin)} label="Copy snippet" />
          {p.role !== 'member' ? <Settings project={p} onChange={project.reload} /> : null}
          <Members id={id} canManage={p.role !== 'member'} />
          <PrivateClients projectId={id} canManage={p.role !== 'member'} />
          <Identities id={id} />
        </section>
      )}
    </Load>
  );
}

type Project = Awaited<ReturnType<typeof trpc.projects.get.query>>;

function Settings({ project, onChange }: { project: Project; onChange: () => void }) {
  const [origins, setOrigins] = useState(project.allowed_origins.join('\n'));
  const [name, setName] = useState(project.name);
  const [secret, setSecret] = useState<{ label: string; value: string }>();
  const save = useAction();
  const secretAction = useAction();

  const saveSettings = async (e: Event) => {
    e.preventDefault();
    const allowed = origins.split(/\s+/).filter(Boolean);
    const ok = await save.run(async () => {
      if (name !== project.name) await trpc.projects.rename.mutate({ id: project.id, name });
      return trpc.projects.update.mutate({ id: project.id, allowed_origins: allowed });
    });
    if (ok) onChange();
  };

  return (
    <>
      <h2>Settings</h2>
      <form onSubmit={saveSettings}>
        <label for="project-name">Name</label>
        <input
          id="project-name"
          value={name}
          maxLength={100}
          required
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <label for="origins">Allowed origins for the widget (one per line)</label>
        <textarea id="origins" rows={3} value={origins} onInput={(e) => setOrigins(e.currentTarget.value)} />
        <button type="submit" disabled={save.busy}>
          Save settings
        </button>
      </form>
      <ErrorBox error={save.error} />

      <h2>Identity secret</h2>
      <p class="muted">
        Signs user_hash values. Keep it on your server; widget hosts connect through OAuth instead.
      </p>
      {secret ? (
        <SecretOnce label={secret.label} value={secret.value} onDone={() => setSecret(undefined)} />
      ) : null}
      <div class="row">
        <ConfirmButton
          label="Reveal secret"
          confirm="Show the identity secret on screen?"
          onConfirm={async () => {
            const r = await secretAction.run(() => trpc.projects.secret.reveal.mutate({ id: project.id }));
            if (r) setSecret({ label: 'Identity secret', value: r.widget_secret });
          }}
        />
        <ConfirmButton
          label="Rotate secret"
          confirm="Rotate? Hashes signed with the old secret stop working."
          onConfirm={async () => {
            const r = await secretAction.run(() => trpc.projects.secret.rotate.mutate({ id: project.id }));
            if (r) setSecret({ label: 'New identity secret', value: r.widget_secret });
          }}
        />
      </div>
      <ErrorBox error={secretAction.error} />
    </>
  );
}

function Members({ id, canManage }: { id: string; canManage: boolean }) {
  const members = useAsync(() => trpc.projects.members.list.query({ id }), [id]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const action = useAction();

  const add = async (e: Event) => {
    e.preventDefault();
    if (await action.run(() => trpc.projects.members.add.mutate({ id, email, role }))) {
      setEmail('');
      members.reload();
    }
  };

  return (
    <>
      <h2>Members</h2>
      <Load state={members}>
        {(list) => (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Role</th>
                {canManage ? <th>Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {list.map((m) => (
                <tr key={m.user_id}>
                  <td>{m.name}</td>
                  <td>{m.email}</td>
                  <td>
                    {canManage ? (
                      <select
                        aria-label={`Role of ${m.email}`}
                        value={m.role}
                        onChange={async (e) => {
                          const next = e.currentTarget.value as 'owner' | 'admin' | 'member';
                          if (
                            await action.run(() =>
                              trpc.projects.members.setRole.mutate({ id, user_id: m.user_id, role: next }),
                            )
                          )
                            members.reload();
                        }}
                      >
                        <option value="owner">owner</option>
                        <option value="admin">admin</option>
                        <option value="member">member</option>
                      </select>
                    ) : (
                      m.role
                    )}
                  </td>
                  {canManage ? (
                    <td>
                      <ConfirmButton
                        label="Remove"
                        confirm={`Remove ${m.email}?`}
                        onConfirm={async () => {
                          if (
                            await action.run(() =>
                              trpc.projects.members.remove.mutate({ id, user_id: m.user_id }),
                            )
                          )
                            members.reload();
                        }}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Load>
      {canManage ? (
        <form class="inline" onSubmit={add}>
          <label for="member-email">Add by email</label>
          <input
            id="member-email"
            type="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
          <select
            aria-label="Role"
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as 'member' | 'admin')}
          >
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
          <button type="submit" disabled={action.busy}>
            Add member
          </button>
        </form>
      ) : null}
      <ErrorBox error={action.error} />
    </>
  );
}

function Identities({ id }: { id: string }) {
  const users = useAsync(() => trpc.widget.identities.query({ project_id: id }), [id]);
  return (
    <>
      <h2>Identified widget users</h2>
      <Load state={users}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No visitor has been identified through the widget yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>User id</th>
                  <th>Name</th>
                  <th>First seen</th>
                  <th>Last seen</th>
                  <th>Count</th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => (
                  <tr key={u.user_id}>
                    <td>{u.user_id}</td>
                    <td>{u.name ?? ''}</td>
                    <td>{when(u.first_seen_at)}</td>
                    <td>{when(u.last_seen_at)}</td>
                    <td>{u.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Load>
    </>
  );
}
