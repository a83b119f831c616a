import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { Browser } from '../support/browser';
import { useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';
import { trpcFor } from '../support/trpc';

/** The tRPC error code of a failed call. */
async function codeOf(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    if (error instanceof TRPCClientError) return error.data?.code;
    throw error;
  }
}

describe.each(BACKENDS)('tRPC dashboard API on %s', (backend) => {
  const hal = useInstance(backend, { user: false });

  it('refuses signed-out callers with UNAUTHORIZED and reports the session state', async () => {
    const anon = trpcFor(new Browser(hal.url));
    expect(await codeOf(anon.projects.list.query())).toBe('UNAUTHORIZED');
    expect(await anon.me.session.query()).toEqual({ signed_in: false });
  });

  it('creates a project with the same shape as POST /api/v1/projects', async () => {
    const u = await hal.signUp();
    const viaTrpc = await u.trpc.projects.create.mutate({ name: 'Via tRPC' });
    const viaRest = (
      await api(hal.url, 'POST', '/api/v1/projects', { auth: u.auth, body: { name: 'Via REST' } })
    ).json.data;
    expect(Object.keys(viaTrpc).sort()).toEqual(Object.keys(viaRest).sort());
    expect(viaTrpc).toMatchObject({ name: 'Via tRPC', role: 'owner' });
    expect((await u.trpc.projects.list.query()).map((p) => p.id)).toEqual(
      expect.arrayContaining([viaTrpc.id, viaRest.id]),
    );
  });

  it('refuses mutations without x-hal-csrf or with a foreign Origin, accepts a same-origin Origin', async () => {
    const u = await hal.signUp();
    expect(await codeOf(trpcFor(u.browser, {}).projects.create.mutate({ name: 'x' }))).toBe('FORBIDDEN');
    expect(
      await codeOf(
        trpcFor(u.browser, { origin: 'https://evil.example' }).projects.create.mutate({ name: 'x' }),
      ),
    ).toBe('FORBIDDEN');
    const sameOrigin = trpcFor(u.browser, { origin: new URL(hal.srv.services.config.issuer).origin });
    expect((await sameOrigin.projects.create.mutate({ name: 'ok' })).name).toBe('ok');
    // Queries need no CSRF header: they change nothing.
    expect(Array.isArray(await trpcFor(u.browser, {}).projects.list.query())).toBe(true);
  });

  it('manages members: add by email, role rules, last owner kept, removal', async () => {
    const owner = await hal.signUp();
    const admin = await hal.signUp();
    const member = await hal.signUp();
    const p = await owner.trpc.projects.create.mutate({ name: 'Team' });
    await owner.trpc.projects.members.add.mutate({ id: p.id, email: admin.account.email, role: 'admin' });
    await owner.trpc.projects.members.add.mutate({
      id: p.id,
      email: member.account.email.toUpperCase(),
      role: 'member',
    });
    const members = await owner.trpc.projects.members.list.query({ id: p.id });
    expect(members.map((m) => m.role).sort()).toEqual(['admin', 'member', 'owner']);

    expect(
      await codeOf(
        member.trpc.projects.members.add.mutate({ id: p.id, email: 'x@example.test', role: 'member' }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await codeOf(
        owner.trpc.projects.members.add.mutate({ id: p.id, email: 'nobody@example.test', role: 'member' }),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await codeOf(
        admin.trpc.projects.members.setRole.mutate({ id: p.id, user_id: owner.id, role: 'member' }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await codeOf(
        owner.trpc.projects.members.setRole.mutate({ id: p.id, user_id: owner.id, role: 'admin' }),
      ),
    ).toBe('BAD_REQUEST');
    expect(await codeOf(owner.trpc.projects.members.remove.mutate({ id: p.id, user_id: owner.id }))).toBe(
      'BAD_REQUEST',
    );

    await admin.trpc.projects.members.setRole.mutate({ id: p.id, user_id: member.id, role: 'admin' });
    await member.trpc.projects.members.remove.mutate({ id: p.id, user_id: member.id }); // leaving
    expect(await codeOf(member.trpc.projects.get.query({ id: p.id }))).toBe('NOT_FOUND');
  });

  it('reveals and rotates the identity secret for owners and admins only', async () => {
    const owner = await hal.signUp();
    const member = await hal.signUp();
    const p = await owner.trpc.projects.create.mutate({ name: 'Secret' });
    await owner.trpc.projects.members.add.mutate({ id: p.id, email: member.account.email, role: 'member' });
    const first = await owner.trpc.projects.secret.reveal.mutate({ id: p.id });
    expect(first.widget_secret).toMatch(/^hal_ws_/);
    const rotated = await owner.trpc.projects.secret.rotate.mutate({ id: p.id });
    expect(rotated.widget_secret).not.toBe(first.widget_secret);
    expect((await owner.trpc.projects.secret.reveal.mutate({ id: p.id })).widget_secret).toBe(
      rotated.widget_secret,
    );
    expect(await codeOf(member.trpc.projects.secret.reveal.mutate({ id: p.id }))).toBe('FORBIDDEN');
    const stranger = await hal.signUp();
    expect(await codeOf(stranger.trpc.projects.get.query({ id: p.id }))).toBe('NOT_FOUND');
  });

  it('validates inputs with BAD_REQUEST', async () => {
    const u = await hal.signUp();
    expect(await codeOf(u.trpc.projects.create.mutate({ name: '' }))).toBe('BAD_REQUEST');
    expect(await codeOf(u.trpc.projects.create.mutate({ name: 'a\u0000b' }))).toBe('BAD_REQUEST');
    const p = await u.trpc.projects.create.mutate({ name: 'o' });
    expect(
      await codeOf(u.trpc.projects.update.mutate({ id: p.id, allowed_origins: ['https://a.example/path'] })),
    ).toBe('BAD_REQUEST');
  });

  it('manages apps, tokens, connections and the audit log', async () => {
    const u = await hal.signUp();
    const app = await u.trpc.apps.create.mutate({
      name: 'Dash App',
      redirect_uris: ['https://c.example/cb'],
      client_type: 'confidential',
      kind: 'public',
    });
    expect(app.client_secret).toMatch(/^hal_cs_/);
    expect((await u.trpc.apps.list.query()).map((a) => a.id)).toContain(app.id);
    const rotated = await u.trpc.apps.rotateSecret.mutate({ id: app.id });
    expect(rotated.client_secret).not.toBe(app.client_secret);

    const pat = await u.trpc.tokens.create.mutate({ name: 'cli', scopes: ['profile'] });
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: `Bearer ${pat.token}` })).status).toBe(200);
    await u.trpc.tokens.revoke.mutate({ id: pat.id });
    expect((await api(hal.url, 'GET', '/api/v1/auth/me', { auth: `Bearer ${pat.token}` })).status).toBe(401);

    expect(await u.trpc.connections.list.query()).toEqual([]);
    expect(await codeOf(u.trpc.connections.revoke.mutate({ id: 'nope' }))).toBe('NOT_FOUND');

    const page = await u.trpc.audit.list.query({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.items[0]?.type).toBe('pat.revoked'); // newest first
    const next = await u.trpc.audit.list.query({ limit: 2, cursor: page.next_cursor as number });
    expect(next.items[0]?.id).toBeLessThan(page.items[1]?.id as number);
  });
});
