import type { AppRouter } from '@hal/auth-server';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { Browser } from '../support/browser';
import { type TestUser, useInstance } from '../support/fixtures';
import { BACKENDS } from '../support/servers';
import { trpcFor } from '../support/trpc';

/** How a tRPC call failed: code, HTTP status and message, as the dashboard sees them. */
async function failure(call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      return { code: error.data?.code, status: error.data?.httpStatus, message: error.message };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

const CSRF_REFUSED = {
  code: 'FORBIDDEN',
  status: 403,
  message: 'cross-site request refused (send x-hal-csrf)',
};
const PROJECT_NOT_FOUND = { code: 'NOT_FOUND', status: 404, message: 'project not found' };
const NEEDS_ADMIN = {
  code: 'FORBIDDEN',
  status: 403,
  message: 'this action needs the admin role on the project',
};
const LAST_OWNER = { code: 'BAD_REQUEST', status: 400, message: 'a project must keep at least one owner' };

describe.each(BACKENDS)('tRPC projects router on %s', (backend) => {
  const hal = useInstance(backend, { user: false });

  /** A batching client (httpBatchLink) whose fetch sends the browser's cookies. */
  function batchClient(browser: Browser, headers: Record<string, string>) {
    return createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${hal.url}/trpc`,
          headers: () => headers,
          fetch: (url, init) => {
            const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
            return fetch(url, { ...(init as RequestInit), headers: { ...init?.headers, cookie } });
          },
        }),
      ],
    });
  }

  /** A project owned by `owner`, with the given others added (by email) in the given roles. */
  async function team(owner: TestUser, others: [TestUser, 'admin' | 'member'][] = []) {
    const p = await owner.trpc.projects.create.mutate({ name: 'Team' });
    for (const [u, role] of others) {
      await owner.trpc.projects.members.add.mutate({ id: p.id, email: u.account.email, role });
    }
    return p;
  }

  const rolesOf = async (viewer: TestUser, id: string) =>
    Object.fromEntries((await viewer.trpc.projects.members.list.query({ id })).map((m) => [m.email, m.role]));

  it('refuses signed-out callers with UNAUTHORIZED (401), queries and mutations alike', async () => {
    const anon = trpcFor(new Browser(hal.url));
    const signIn = { code: 'UNAUTHORIZED', status: 401, message: 'sign in first' };
    expect(await failure(anon.projects.list.query())).toEqual(signIn);
    expect(await failure(anon.me.get.query())).toEqual(signIn);
    expect(await failure(anon.projects.create.mutate({ name: 'x' }))).toEqual(signIn);
  });

  it('me.get returns the session user as { id, email, name }, matching GET /api/v1/auth/me', async () => {
    const u = await hal.signUp();
    const rest = (await api(hal.url, 'GET', '/api/v1/auth/me', { auth: u.auth })).json.data;
    expect(await u.trpc.me.get.query()).toEqual({
      id: rest.id,
      email: u.account.email,
      name: u.account.name,
    });
  });

  it('create returns exactly the object POST /api/v1/projects returns', async () => {
    const u = await hal.signUp();
    const viaTrpc = await u.trpc.projects.create.mutate({ name: '  Via tRPC  ' });
    const viaRest = await api(hal.url, 'POST', '/api/v1/projects', {
      auth: u.auth,
      body: { name: 'Via REST' },
    });
    expect(viaRest.status).toBe(201);
    expect(Object.keys(viaTrpc).sort()).toEqual(Object.keys(viaRest.json.data).sort());
    expect(viaTrpc).toMatchObject({
      name: 'Via tRPC',
      role: 'owner',
      allowed_origins: [],
      require_user_jwt: false,
    });
    expect(viaTrpc.id).toMatch(/^proj_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(viaTrpc.app_id).toMatch(/^hal_wa_[0-9A-Za-z]{16}$/);
    // One service behind both surfaces: each reads back the other's project unchanged.
    expect((await api(hal.url, 'GET', `/api/v1/projects/${viaTrpc.id}`, { auth: u.auth })).json.data).toEqual(
      viaTrpc,
    );
    expect(await u.trpc.projects.get.query({ id: viaRest.json.data.id })).toEqual(viaRest.json.data);
    expect((await u.trpc.projects.list.query()).map((p) => p.id)).toEqual([viaTrpc.id, viaRest.json.data.id]);
  });

  it('refuses mutations with neither x-hal-csrf nor a same-origin Origin (FORBIDDEN), changing nothing', async () => {
    const u = await hal.signUp();
    const issuer = new URL(hal.srv.services.config.issuer);
    const otherPort = `${issuer.protocol}//${issuer.hostname}:${Number(issuer.port) + 1}`;
    const refusedHeaders: Record<string, string>[] = [
      {},
      { 'x-hal-csrf': '' },
      { origin: 'https://evil.example' },
      { origin: otherPort },
      { origin: 'null' },
    ];
    for (const headers of refusedHeaders) {
      expect(await failure(trpcFor(u.browser, headers).projects.create.mutate({ name: 'csrf' }))).toEqual(
        CSRF_REFUSED,
      );
    }
    expect(await u.trpc.projects.list.query()).toEqual([]);

    // Reading the identity secret is a mutation too, so it is never served cross-site.
    const p = await u.trpc.projects.create.mutate({ name: 'Mine' });
    expect(await failure(trpcFor(u.browser, {}).projects.secret.reveal.mutate({ id: p.id }))).toEqual(
      CSRF_REFUSED,
    );
    // Queries change nothing and need no header.
    expect((await trpcFor(u.browser, {}).projects.get.query({ id: p.id })).id).toBe(p.id);
  });

  it('accepts a mutation with Origin equal to the issuer origin, or any non-empty x-hal-csrf', async () => {
    const u = await hal.signUp();
    const sameOrigin = trpcFor(u.browser, { origin: new URL(hal.srv.services.config.issuer).origin });
    expect((await sameOrigin.projects.create.mutate({ name: 'same origin' })).name).toBe('same origin');
    const anyValue = trpcFor(u.browser, { 'x-hal-csrf': 'yes' });
    expect((await anyValue.projects.create.mutate({ name: 'any value' })).name).toBe('any value');
    expect((await u.trpc.projects.list.query()).map((p) => p.name)).toEqual(['same origin', 'any value']);
  });

  it('applies the CSRF rule to every mutation of a batch (httpBatchLink)', async () => {
    const u = await hal.signUp();
    const foreign = batchClient(u.browser, { origin: 'https://evil.example' });
    const refused = await Promise.all([
      failure(foreign.projects.create.mutate({ name: 'a' })),
      failure(foreign.projects.create.mutate({ name: 'b' })),
    ]);
    expect(refused).toEqual([CSRF_REFUSED, CSRF_REFUSED]);
    const ok = batchClient(u.browser, { 'x-hal-csrf': '1' });
    const [a, b] = await Promise.all([
      ok.projects.create.mutate({ name: 'a' }),
      ok.projects.create.mutate({ name: 'b' }),
    ]);
    expect([a.name, b.name]).toEqual(['a', 'b']);
    expect((await ok.projects.list.query()).map((p) => p.name).sort()).toEqual(['a', 'b']);
  });

  it('answers NOT_FOUND to non-members for every procedure on the project', async () => {
    const owner = await hal.signUp();
    const stranger = await hal.signUp();
    const p = await team(owner);
    const id = p.id;
    const t = stranger.trpc.projects;
    // Thunks, so each call starts (and fails) only when awaited.
    for (const call of [
      () => t.get.query({ id }),
      () => t.members.list.query({ id }),
      () => t.rename.mutate({ id, name: 'mine now' }),
      () => t.update.mutate({ id, require_user_jwt: true }),
      () => t.delete.mutate({ id }),
      () => t.members.add.mutate({ id, email: stranger.account.email, role: 'admin' }),
      () => t.members.remove.mutate({ id, user_id: owner.id }),
      () => t.secret.reveal.mutate({ id }),
      () => t.secret.rotate.mutate({ id }),
    ]) {
      expect(await failure(call())).toEqual(PROJECT_NOT_FOUND);
    }
    expect(await owner.trpc.projects.get.query({ id })).toEqual(p);
  });

  it('renames and updates for owners and admins, deletes for owners only', async () => {
    const owner = await hal.signUp();
    const admin = await hal.signUp();
    const member = await hal.signUp();
    const p = await team(owner, [
      [admin, 'admin'],
      [member, 'member'],
    ]);
    expect(await failure(member.trpc.projects.rename.mutate({ id: p.id, name: 'x' }))).toEqual(NEEDS_ADMIN);
    expect(await admin.trpc.projects.rename.mutate({ id: p.id, name: ' Renamed ' })).toMatchObject({
      name: 'Renamed',
      role: 'admin',
    });
    const updated = await admin.trpc.projects.update.mutate({
      id: p.id,
      allowed_origins: ['https://shop.example'],
      require_user_jwt: true,
    });
    expect(updated).toMatchObject({ allowed_origins: ['https://shop.example'], require_user_jwt: true });
    expect(
      await failure(
        admin.trpc.projects.update.mutate({ id: p.id, allowed_origins: ['https://a.example/path'] }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    const rest = (await api(hal.url, 'GET', `/api/v1/projects/${p.id}`, { auth: owner.auth })).json.data;
    expect(rest).toMatchObject({
      name: 'Renamed',
      allowed_origins: ['https://shop.example'],
      require_user_jwt: true,
    });

    expect(await failure(admin.trpc.projects.delete.mutate({ id: p.id }))).toEqual({
      code: 'FORBIDDEN',
      status: 403,
      message: 'this action needs the owner role on the project',
    });
    expect(await owner.trpc.projects.delete.mutate({ id: p.id })).toEqual({ deleted: true });
    expect(await failure(owner.trpc.projects.get.query({ id: p.id }))).toEqual(PROJECT_NOT_FOUND);
  });

  it('adds existing accounts by email as admin or member; members cannot add; unknown email is NOT_FOUND', async () => {
    const owner = await hal.signUp();
    const admin = await hal.signUp();
    const member = await hal.signUp();
    const late = await hal.signUp();
    const p = await team(owner);
    const added = await owner.trpc.projects.members.add.mutate({
      id: p.id,
      email: admin.account.email.toUpperCase(),
      role: 'admin',
    });
    expect(added.map((m) => m.user_id)).toEqual([owner.id, admin.id]);
    await admin.trpc.projects.members.add.mutate({ id: p.id, email: member.account.email, role: 'member' });
    expect(await rolesOf(owner, p.id)).toEqual({
      [owner.account.email]: 'owner',
      [admin.account.email]: 'admin',
      [member.account.email]: 'member',
    });

    const add = (by: TestUser, email: string, role: 'admin' | 'member' = 'member') =>
      by.trpc.projects.members.add.mutate({ id: p.id, email, role });
    expect(await failure(add(member, late.account.email))).toEqual(NEEDS_ADMIN);
    expect(await failure(add(owner, 'nobody@example.test'))).toEqual({
      code: 'NOT_FOUND',
      status: 404,
      message: 'no account with this email',
    });
    expect(await failure(add(owner, member.account.email, 'admin'))).toEqual({
      code: 'CONFLICT',
      status: 409,
      message: 'this account is already a member',
    });
    // Ownership is only ever granted through setRole.
    const asOwner = { id: p.id, email: late.account.email, role: 'owner' as 'admin' };
    expect(await failure(owner.trpc.projects.members.add.mutate(asOwner))).toMatchObject({
      code: 'BAD_REQUEST',
      status: 400,
    });
    expect(await failure(add(owner, 'not-an-email'))).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    expect(Object.keys(await rolesOf(owner, p.id))).toHaveLength(3);
  });

  it('changes roles: only owners touch owner, and the last owner can never be demoted', async () => {
    const owner = await hal.signUp();
    const admin = await hal.signUp();
    const member = await hal.signUp();
    const p = await team(owner, [
      [admin, 'admin'],
      [member, 'member'],
    ]);
    const setRole = (by: TestUser, target: TestUser, role: 'owner' | 'admin' | 'member') =>
      by.trpc.projects.members.setRole.mutate({ id: p.id, user_id: target.id, role });
    const ownerOnly = {
      code: 'FORBIDDEN',
      status: 403,
      message: 'only an owner can grant or take away the owner role',
    };

    expect(await failure(setRole(owner, owner, 'admin'))).toEqual(LAST_OWNER);
    expect(await failure(setRole(owner, owner, 'member'))).toEqual(LAST_OWNER);
    expect(await failure(setRole(admin, owner, 'member'))).toEqual(ownerOnly);
    expect(await failure(setRole(admin, admin, 'owner'))).toEqual(ownerOnly);
    expect(await failure(setRole(member, member, 'admin'))).toEqual(NEEDS_ADMIN);
    const stranger = await hal.signUp();
    expect(await failure(setRole(owner, stranger, 'member'))).toEqual({
      code: 'NOT_FOUND',
      status: 404,
      message: 'member not found',
    });

    await setRole(admin, member, 'admin');
    await setRole(owner, admin, 'owner');
    await setRole(owner, owner, 'member'); // no longer the last owner
    expect(await failure(setRole(admin, admin, 'admin'))).toEqual(LAST_OWNER);
    expect(await rolesOf(admin, p.id)).toEqual({
      [owner.account.email]: 'member',
      [admin.account.email]: 'owner',
      [member.account.email]: 'admin',
    });
  });

  it('removes members: admins remove members, members leave on their own, the last owner stays', async () => {
    const owner = await hal.signUp();
    const admin = await hal.signUp();
    const member = await hal.signUp();
    const other = await hal.signUp();
    const p = await team(owner, [
      [admin, 'admin'],
      [member, 'member'],
      [other, 'member'],
    ]);
    const remove = (by: TestUser, target: TestUser) =>
      by.trpc.projects.members.remove.mutate({ id: p.id, user_id: target.id });

    expect(await failure(remove(member, other))).toEqual(NEEDS_ADMIN);
    expect(await failure(remove(admin, owner))).toEqual({
      code: 'FORBIDDEN',
      status: 403,
      message: 'only an owner can remove an owner',
    });
    expect(await failure(remove(owner, owner))).toEqual(LAST_OWNER);

    expect(await remove(member, member)).toEqual({ removed: true });
    expect(await failure(member.trpc.projects.get.query({ id: p.id }))).toEqual(PROJECT_NOT_FOUND);
    expect(await remove(admin, other)).toEqual({ removed: true });
    expect(await failure(other.trpc.projects.get.query({ id: p.id }))).toEqual(PROJECT_NOT_FOUND);
    expect(await rolesOf(owner, p.id)).toEqual({
      [owner.account.email]: 'owner',
      [admin.account.email]: 'admin',
    });
  });

  it('reveals and rotates the identity secret for owners and admins, sealed at rest and audited', async () => {
    const owner = await hal.signUp();
    const admin = await hal.signUp();
    const member = await hal.signUp();
    const p = await team(owner, [
      [admin, 'admin'],
      [member, 'member'],
    ]);
    const first = await owner.trpc.projects.secret.reveal.mutate({ id: p.id });
    expect(first).toEqual({ widget_secret: expect.stringMatching(/^hal_ws_[0-9A-Za-z]{20,}$/) });
    expect(await admin.trpc.projects.secret.reveal.mutate({ id: p.id })).toEqual(first);

    const rotated = await admin.trpc.projects.secret.rotate.mutate({ id: p.id });
    expect(rotated).toEqual({ widget_secret: expect.stringMatching(/^hal_ws_[0-9A-Za-z]{20,}$/) });
    expect(rotated.widget_secret).not.toBe(first.widget_secret);
    expect(await owner.trpc.projects.secret.reveal.mutate({ id: p.id })).toEqual(rotated);

    expect(await failure(member.trpc.projects.secret.reveal.mutate({ id: p.id }))).toEqual(NEEDS_ADMIN);
    expect(await failure(member.trpc.projects.secret.rotate.mutate({ id: p.id }))).toEqual(NEEDS_ADMIN);
    expect(await owner.trpc.projects.secret.reveal.mutate({ id: p.id })).toEqual(rotated);

    const row = JSON.stringify(
      await hal.srv.database.db.execute(sql`select * from projects where id = ${p.id}`),
    );
    expect(row).toContain(p.id);
    expect(row).not.toContain(rotated.widget_secret);
    expect(row).not.toContain('hal_ws_');

    const audit = await admin.trpc.audit.list.query({ limit: 10 });
    expect(audit.items.filter((e) => e.type === 'project.secret_rotated')).toEqual([
      expect.objectContaining({ project_id: p.id }),
    ]);
    expect(JSON.stringify(audit)).not.toContain('hal_ws_');
  });

  it('sends errors without a stack trace', async () => {
    const u = await hal.signUp();
    const res = await u.browser.fetch(`/trpc/projects.get?input=${encodeURIComponent('{"id":"proj_nope"}')}`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string; data: unknown } };
    expect(body.error.message).toBe('project not found');
    expect(body.error.data).toEqual({ code: 'NOT_FOUND', httpStatus: 404, path: 'projects.get' });
  });
});
