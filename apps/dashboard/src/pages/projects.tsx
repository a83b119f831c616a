import { useState } from 'preact/hooks';
import { useAction, useAsync } from '../hooks';
import { trpc } from '../trpc';
import { Empty, ErrorBox, Load } from '../ui';

/** The user's projects, and a form to create one. */
export function ProjectsPage() {
  const projects = useAsync(() => trpc.projects.list.query());
  const [name, setName] = useState('');
  const create = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const created = await create.run(() => trpc.projects.create.mutate({ name }));
    if (created) {
      setName('');
      location.hash = `#/projects/${created.id}`;
    }
  };

  return (
    <section>
      <h1>Projects</h1>
      <form class="inline" onSubmit={submit}>
        <label for="new-project">New project</label>
        <input
          id="new-project"
          value={name}
          maxLength={100}
          required
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit" disabled={create.busy}>
          Create project
        </button>
      </form>
      <ErrorBox error={create.error} />
      <Load state={projects}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No projects yet. Create one to get your widget snippet.</Empty>
          ) : (
            <ul class="cards">
              {list.map((p) => (
                <li key={p.id}>
                  <a href={`#/projects/${p.id}`}>{p.name}</a>
                  <span class="muted">
                    {p.role} · {p.app_id}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </Load>
    </section>
  );
}
