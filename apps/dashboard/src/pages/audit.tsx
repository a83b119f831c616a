import { useState } from 'preact/hooks';
import { useAsync } from '../hooks';
import { trpc } from '../trpc';
import { Empty, Load, when } from '../ui';

/** The audit log, newest first, one page at a time. */
export function AuditPage() {
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const page = useAsync(() => trpc.audit.list.query({ limit: 25, cursor }), [cursor]);
  return (
    <section>
      <h1>Audit log</h1>
      <Load state={page}>
        {(p) =>
          p.items.length === 0 ? (
            <Empty>Nothing recorded yet.</Empty>
          ) : (
            <>
              <table>
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Event</th>
                    <th>Details</th>
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((e) => (
                    <tr key={e.id} data-testid="audit-event">
                      <td>{when(e.created_at)}</td>
                      <td>{e.type}</td>
                      <td>
                        <code>
                          {JSON.stringify({ ...e.data, ...(e.project_id && { project: e.project_id }) })}
                        </code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div class="row">
                <button
                  type="button"
                  class="secondary"
                  disabled={cursors.length === 1}
                  onClick={() => setCursors(cursors.slice(0, -1))}
                >
                  Newer
                </button>
                <button
                  type="button"
                  class="secondary"
                  disabled={p.next_cursor === null}
                  onClick={() => setCursors([...cursors, p.next_cursor ?? undefined])}
                >
                  Older
                </button>
              </div>
            </>
          )
        }
      </Load>
    </section>
  );
}
