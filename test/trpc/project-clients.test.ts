import { TRPCClientError } from '@trpc/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { type TestUser, useInstance } from '../support/fixtures';
import { authorizationCode, exchangeCode } from '../support/oauth';
import { BACKENDS } from '../support/servers';

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

const NEEDS_ADMIN = {
  code: 'FORBIDDEN',
  status: 403,
  message: 'this action needs the admin role on the project',
};
const PROJECT_NOT_FOUND = { code: 'NOT_FOUND', status: 404, message: 'project not found' };
const APP_NOT_FOUND = { code: 'NOT_FOUND', status: 404, message: 'app not found' };
const REDIRECT = 'https://legacy.example/cb';

describe.each(BACKENDS)('tRPC projects.clients (private project clients) on %s', (backend) => {
  const hal = useInstance(backend, { user: false });
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  let project: string;

  const newClient = (as: TestUser, name = 'Legacy sync', project_id = project) =>
    as.trpc.projects.clients.create.mutate({ project_id, name, redirect_uris: [REDIRECT] });

  beforeAll(async () => {
    [owner, admin, member, stranger] = await Promise.all([
      hal.signUp(),
      hal.signUp(),
      hal.signUp(),
      hal.signUp(),
    ]);
    project = (await owner.trpc.projects.create.mutate({ name: 'Team' })).id;
    for (const [u, role] of [
      [admin, 'admin'],
      [member, 'member'],
    ] as const)
      await owner.trpc.projects.members.add.mutate({ id: project, email: u.account.email, role });
  });

  it('creates a confidential private client bound to the project and shows its secret in that answer only', async () => {
    const created = await owner.trpc.projects.clients.create.mutate({
      project_id: project,
      name: '  Legacy sync  ',
      description: 'Nightly job',
      redirect_uris: [REDIRECT, REDIRECT],
    });
    expect(created).toMatchObject({
      name: 'Legacy sync',
      description: 'Nightly job',
      client_type: 'confidential',
      kind: 'private',
      project_id: project,
      redirect_uris: [REDIRECT],
      allowed_scopes: ['widget:serve'],
    });
    expect(created.client_id).toMatch(/^hal_app_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(created.client_secret).toMatch(/^hal_cs_[0-9A-Za-z]{43,}$/);

    // Every member reads the list; no secret is in it.
    const { client_secret: _secret, ...view } = created;
    for (const viewer of [owner, admin, member]) {
      expect(await viewer.trpc.projects.clients.list.query({ project_id: project })).toEqual([view]);
    }
    expect(
      JSON.stringify(await member.trpc.projects.clients.list.query({ project_id: project })),
    ).not.toContain(created.client_secret);
    // The REST API shows the same app to its creator.
    const rest = await api(hal.url, 'GET', `/api/v1/oauth/apps/${created.id}`, { auth: owner.auth });
    expect(rest.json.data).toEqual(view);
    await owner.trpc.projects.clients.delete.mutate({ project_id: project, id: created.id });
  });

  it('lets an admin rotate and delete a client another owner created: it belongs to the project', async () => {
    const created = await newClient(owner);
    const rotated = await admin.trpc.projects.clients.rotateSecret.mutate({
      project_id: project,
      id: created.id,
    });
    expect(rotated.client_secret).toMatch(/^hal_cs_/);
    expect(rotated.client_secret).not.toBe(created.client_secret);
    expect(rotated.id).toBe(created.id);
    expect(await admin.trpc.projects.clients.delete.mutate({ project_id: project, id: created.id })).toEqual({
      deleted: true,
    });
    expect(await owner.trpc.projects.clients.list.query({ project_id: project })).toEqual([]);
    expect(
      await failure(admin.trpc.projects.clients.delete.mutate({ project_id: project, id: created.id })),
    ).toEqual(APP_NOT_FOUND);
  });

  it('refuses a member create, rotate and delete with FORBIDDEN, changing nothing', async () => {
    const created = await newClient(owner);
    const ref = { project_id: project, id: created.id };
    expect(await failure(newClient(member))).toEqual(NEEDS_ADMIN);
    expect(await failure(member.trpc.projects.clients.rotateSecret.mutate(ref))).toEqual(NEEDS_ADMIN);
    expect(await failure(member.trpc.projects.clients.delete.mutate(ref))).toEqual(NEEDS_ADMIN);
    const listed = await owner.trpc.projects.clients.list.query({ project_id: project });
    expect(listed.map((c) => c.id)).toEqual([created.id]);

    // The secret still authenticates: a rotation by the member would have replaced it.
    const grant = await authorizationCode(owner.browser, created, { scope: 'widget:serve' });
    const res = await exchangeCode(hal.url, created, grant);
    expect(res.status).toBe(200);
    expect(res.json.token_type).toBe('widget_secret');
    await owner.trpc.projects.clients.delete.mutate(ref);
  });

  it('answers NOT_FOUND to a non-member for list, create, rotate and delete', async () => {
    const created = await newClient(owner);
    const ref = { project_id: project, id: created.id };
    expect(await failure(stranger.trpc.projects.clients.list.query({ project_id: project }))).toEqual(
      PROJECT_NOT_FOUND,
    );
    expect(await failure(newClient(stranger))).toEqual(PROJECT_NOT_FOUND);
    expect(await failure(stranger.trpc.projects.clients.rotateSecret.mutate(ref))).toEqual(PROJECT_NOT_FOUND);
    expect(await failure(stranger.trpc.projects.clients.delete.mutate(ref))).toEqual(PROJECT_NOT_FOUND);
    expect((await owner.trpc.projects.clients.list.query({ project_id: project })).length).toBe(1);
    await owner.trpc.projects.clients.delete.mutate(ref);
  });

  it("answers NOT_FOUND for an app that is not one of the project's private clients", async () => {
    const other = (await owner.trpc.projects.create.mutate({ name: 'Other' })).id;
    const elsewhere = await newClient(owner, 'Elsewhere', other);
    const reusable = await owner.trpc.apps.create.mutate({
      name: 'Reusable',
      redirect_uris: [REDIRECT],
      kind: 'public',
    });
    for (const id of [elsewhere.id, reusable.id, 'hal_app_unknown']) {
      expect(
        await failure(owner.trpc.projects.clients.rotateSecret.mutate({ project_id: project, id })),
      ).toEqual(APP_NOT_FOUND);
      expect(await failure(owner.trpc.projects.clients.delete.mutate({ project_id: project, id }))).toEqual(
        APP_NOT_FOUND,
      );
    }
    expect((await owner.trpc.apps.list.query()).map((a) => a.name).sort()).toEqual(['Elsewhere', 'Reusable']);
    expect((await owner.trpc.projects.clients.list.query({ project_id: other })).map((c) => c.name)).toEqual([
      'Elsewhere',
    ]);
  });

  it('refuses bad input with BAD_REQUEST: a bad redirect URI, and fields the settings do not set', async () => {
    expect(
      await failure(
        owner.trpc.projects.clients.create.mutate({
          project_id: project,
          name: 'Bad',
          redirect_uris: ['http://legacy.example/cb'],
        }),
      ),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      status: 400,
      message: expect.stringMatching(/^redirect_uris\.0: /),
    });
    const smuggled = {
      project_id: project,
      name: 'Bad',
      redirect_uris: [REDIRECT],
      client_type: 'public',
    } as unknown as Parameters<typeof owner.trpc.projects.clients.create.mutate>[0];
    expect(await failure(owner.trpc.projects.clients.create.mutate(smuggled))).toMatchObject({
      code: 'BAD_REQUEST',
      status: 400,
    });
    expect(await owner.trpc.projects.clients.list.query({ project_id: project })).toEqual([]);
  });

  it('writes app.created, app.secret_rotated and app.deleted audit events with the project', async () => {
    const created = await newClient(admin, 'Audited');
    await admin.trpc.projects.clients.rotateSecret.mutate({ project_id: project, id: created.id });
    await admin.trpc.projects.clients.delete.mutate({ project_id: project, id: created.id });
    const { items } = await admin.trpc.audit.list.query({ limit: 3 });
    expect(items.map((e) => [e.type, e.app_id, e.project_id])).toEqual([
      ['app.deleted', created.id, project],
      ['app.secret_rotated', created.id, project],
      ['app.created', created.id, project],
    ]);
    expect(JSON.stringify(items)).not.toContain('hal_cs_');
  });
});
