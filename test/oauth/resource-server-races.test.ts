import { describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';

const SCOPES = [{ name: 'notes:read', description: 'Read your notes' }];

describe.each(BACKENDS)('registered resource identifiers under concurrent claims on %s', (backend) => {
  const hal = useInstance(backend, { env: { HAL_RATE_LIMITS: 'off' } });

  it('gives one identifier to exactly one of many concurrent claims; the others get 409, never 500', async () => {
    const other = await hal.signUp();
    const claimants = [];
    for (let i = 0; i < 8; i++) {
      const res = await api(hal.url, 'POST', '/api/v1/resources', {
        auth: hal.user.auth,
        body: { name: `Race ${i}`, identifier: `https://race-${i}.example/api`, scopes: SCOPES },
      });
      expect(res.status).toBe(201);
      claimants.push(res.json.data.id as string);
    }
    const contested = 'https://contested.example/api';
    const answers = await Promise.all([
      api(hal.url, 'POST', '/api/v1/resources', {
        auth: other.auth,
        body: { name: 'Rival', identifier: contested, scopes: SCOPES },
      }),
      ...claimants.map((id) =>
        api(hal.url, 'PATCH', `/api/v1/resources/${id}`, {
          auth: hal.user.auth,
          body: { identifier: contested },
        }),
      ),
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200 || s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(answers.length - 1);
  });
});
