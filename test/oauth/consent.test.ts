import { beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../support/api';
import { Browser } from '../support/browser';
import { type TestUser, useInstance } from '../support/fixtures';
import {
  authorizeInBrowser,
  authorizePath,
  consentForm,
  exchangeCode,
  oauthPost,
  pkce,
} from '../support/oauth';
import { BACKENDS } from '../support/servers';

const REDIRECT = 'https://client.example/cb';
const DETAILS_READ = '[{"type":"hal_project","actions":["read"]}]';
const UNKNOWN_PROJECT = 'proj_01J9Z8Q4V7K3M2N5P6R8S0T1W2';

describe.each(BACKENDS)(
  'consent page and decision on %s (contract: sign-in and consent pages)',
  (backend) => {
    const hal = useInstance(backend, {
      user: { login: true },
      app: { name: 'Acme Reports', description: 'Monthly sales reports for your shop' },
    });
    let other: TestUser;
    let owned: string;
    let admin: string;
    let member: string;
    let foreign: string;

    beforeAll(async () => {
      other = await hal.signUp({ login: true });
      owned = (await hal.user.createProject('Owned Shop')).id;
      admin = (await other.createProject('Admin Shop')).id;
      member = (await other.createProject('Member Shop')).id;
      foreign = (await other.createProject('Foreign Shop')).id;
      await hal.srv.services.stores.projects.setMember(admin, hal.user.id, 'admin');
      await hal.srv.services.stores.projects.setMember(member, hal.user.id, 'member');
    });

    const params = (overrides: Record<string, string | undefined> = {}) => ({
      response_type: 'code',
      client_id: hal.app.client_id,
      redirect_uri: REDIRECT,
      state: 'st-1',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      scope: 'profile',
      ...overrides,
    });

    /** Opens the consent page of a fresh request and returns its HTML and form fields. */
    async function open(overrides: Record<string, string | undefined> = {}, as: Browser = hal.user.browser) {
      const res = await as.fetch(authorizePath(params(overrides)));
      expect(res.status).toBe(200);
      const html = await res.text();
      const form = consentForm(html);
      return { res, html, ...form, requestId: form.requestId as string, csrf: form.csrf as string };
    }

    const decide = (fields: Record<string, string>, as: Browser = hal.user.browser) =>
      as.post('/oauth/authorize/decision', fields);

    async function expectRefused(res: Response, status: number, message: string) {
      expect(res.status).toBe(status);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain(message);
    }

    describe('the page', () => {
      it("sends Content-Security-Policy frame-ancestors 'none' and no-store", async () => {
        const { res } = await open();
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(res.headers.get('cache-control')).toBe('no-store');
      });

      it('posts to /oauth/authorize/decision with hidden csrf and request_id and approve/deny buttons', async () => {
        const { html, requestId, csrf } = await open();
        expect(html).toContain('<form method="post" action="/oauth/authorize/decision">');
        expect(html).toContain(`<input type="hidden" name="csrf" value="${csrf}"`);
        expect(html).toContain(`<input type="hidden" name="request_id" value="${requestId}"`);
        expect(html).toMatch(/<button type="submit" name="decision" value="approve"/);
        expect(html).toMatch(/<button type="submit" name="decision" value="deny"/);
      });

      it("shows the app's name, description and owner, and the requested scopes in plain words", async () => {
        const { html } = await open({ scope: 'profile apps:read' });
        expect(html).toContain('Acme Reports');
        expect(html).toContain('Monthly sales reports for your shop');
        expect(html).toContain(hal.user.account.name);
        expect(html).toContain('See your name and email address');
        expect(html).toContain('See the OAuth apps you registered');
        expect(html).not.toContain('Register, change and delete your OAuth apps');
      });

      it('describes requested authorization_details in plain words (RFC 9396 §2)', async () => {
        const { html } = await open({
          scope: undefined,
          authorization_details: '[{"type":"hal_project","actions":["read","widget:serve"]}]',
        });
        expect(html).toContain(
          'On a project you choose: see the project and its settings, sign widget identities for the project',
        );
      });

      it('escapes HTML in the app name and description', async () => {
        const hostile = await hal.registerApp({
          name: '<script>alert(1)</script>',
          description: '<img src=x onerror=alert(2)>',
        });
        const { html } = await open({ client_id: hostile.client_id });
        expect(html).not.toContain('<script>alert(1)</script>');
        expect(html).not.toContain('<img src=x');
        expect(html).toMatch(/&lt;script(>|&gt;)alert\(1\)&lt;\/script(>|&gt;)/);
      });

      it('limits the picker of a private project client to its own project', async () => {
        const res = await api(hal.url, 'POST', '/api/v1/oauth/apps', {
          auth: hal.user.auth,
          body: { name: 'Legacy', redirect_uris: [REDIRECT], kind: 'private', project_id: admin },
        });
        expect(res.status).toBe(201);
        const { projects } = await open({ client_id: res.json.data.client_id, scope: 'widget:serve' });
        expect(projects).toEqual([{ id: admin, selected: true }]);
      });

      it('shows no project picker for user-level scopes only', async () => {
        const { html, projects } = await open({ scope: 'profile apps:read apps:write' });
        expect(html).not.toContain('name="project_id"');
        expect(projects).toEqual([]);
      });

      it.each([
        ['projects:read', { scope: 'profile projects:read' }],
        ['projects:write', { scope: 'projects:write' }],
        ['widget:serve', { scope: 'widget:serve' }],
        ['a hal_project detail', { scope: undefined, authorization_details: DETAILS_READ }],
      ])('shows a picker of the projects where the user is owner or admin for %s', async (_, overrides) => {
        const { html, projects } = await open(overrides);
        expect(html).toMatch(/<select id="project_id" name="project_id" required(="")?>/);
        expect(projects.map((p) => p.id).sort()).toEqual([owned, admin].sort());
        expect(html).not.toContain('Member Shop');
        expect(html).not.toContain('Foreign Shop');
      });

      it('lists every eligible project and preselects the one the request names with project_id (contract)', async () => {
        const { projects } = await open({ scope: 'projects:read', project_id: admin });
        expect(projects.filter((p) => p.selected)).toEqual([{ id: admin, selected: true }]);
        expect(projects.map((p) => p.id).sort()).toEqual([owned, admin].sort());
      });

      it('preselects the project a hal_project detail names (RFC 9396 §2)', async () => {
        const { projects } = await open({
          scope: undefined,
          authorization_details: JSON.stringify([
            { type: 'hal_project', project_id: owned, actions: ['read'] },
          ]),
        });
        expect(projects.filter((p) => p.selected)).toEqual([{ id: owned, selected: true }]);
        expect(projects.map((p) => p.id).sort()).toEqual([owned, admin].sort());
      });

      it.each([
        ['a project where the user is only a member', () => member],
        ['a project of another user', () => foreign],
        ['a project that does not exist', () => UNKNOWN_PROJECT],
      ])('redirects invalid_request for a request naming %s', async (_, project) => {
        const res = await hal.user.browser.fetch(
          authorizePath(params({ scope: 'projects:read', project_id: project() })),
        );
        expect(res.status).toBe(302);
        const location = new URL(res.headers.get('location') as string);
        expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
        expect(location.searchParams.get('error')).toBe('invalid_request');
        expect(location.searchParams.get('error_description')).toBe(
          'project_id is not a project this user can authorize',
        );
        expect(location.searchParams.get('state')).toBe('st-1');
        expect(location.searchParams.get('iss')).toBe(hal.srv.services.config.issuer);
      });

      it('redirects invalid_request when a hal_project detail names a project the user cannot authorize', async () => {
        const details = JSON.stringify([{ type: 'hal_project', project_id: member, actions: ['read'] }]);
        const res = await hal.user.browser.fetch(
          authorizePath(params({ scope: undefined, authorization_details: details })),
        );
        expect(res.status).toBe(302);
        const location = new URL(res.headers.get('location') as string);
        expect(location.searchParams.get('error')).toBe('invalid_request');
        expect(location.searchParams.get('error_description')).toBe(
          'project_id is not a project this user can authorize',
        );
      });

      it('redirects invalid_request for a private project client when the user is not owner or admin of its project', async () => {
        const res = await api(hal.url, 'POST', '/api/v1/oauth/apps', {
          auth: other.auth,
          body: { name: 'Legacy', redirect_uris: [REDIRECT], kind: 'private', project_id: member },
        });
        expect(res.status).toBe(201);
        const page = await hal.user.browser.fetch(
          authorizePath(params({ client_id: res.json.data.client_id, scope: 'widget:serve' })),
        );
        expect(page.status).toBe(302);
        const location = new URL(page.headers.get('location') as string);
        expect(location.searchParams.get('error')).toBe('invalid_request');
        expect(location.searchParams.get('error_description')).toBe(
          'project_id is not a project this user can authorize',
        );
      });

      it('refuses with 403 to show a request bound to another user', async () => {
        const { requestId } = await open();
        await expectRefused(
          await other.browser.fetch(`/oauth/authorize/consent/${requestId}`),
          403,
          'This authorization request belongs to another user.',
        );
      });

      it('answers 404 for an unknown consent page', async () => {
        await expectRefused(
          await hal.user.browser.fetch('/oauth/authorize/consent/01J9Z8Q4V7K3M2N5P6R8S0T1W2'),
          404,
          'This authorization request has expired or was already answered.',
        );
      });
    });

    describe('the decision', () => {
      it('redirects with 303 and code, state and iss on approval (RFC 6749 §4.1.2, RFC 9207 §2)', async () => {
        const { requestId, csrf } = await open();
        const res = await decide({ csrf, request_id: requestId, decision: 'approve' });
        expect(res.status).toBe(303);
        const location = new URL(res.headers.get('location') as string);
        expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
        expect(location.searchParams.get('code')).toMatch(/^[0-9A-Za-z]{43,}$/);
        expect(location.searchParams.get('state')).toBe('st-1');
        expect(location.searchParams.get('iss')).toBe(hal.srv.services.config.issuer);
        expect(location.searchParams.has('error')).toBe(false);
      });

      it('redirects with 303 and access_denied, state and iss on denial (RFC 6749 §4.1.2.1)', async () => {
        const { requestId, csrf } = await open({ scope: 'projects:read' });
        const res = await decide({ csrf, request_id: requestId, decision: 'deny' });
        expect(res.status).toBe(303);
        const location = new URL(res.headers.get('location') as string);
        expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
        expect(location.searchParams.get('error')).toBe('access_denied');
        expect(location.searchParams.get('error_description')).toBe('the user denied the request');
        expect(location.searchParams.get('state')).toBe('st-1');
        expect(location.searchParams.get('iss')).toBe(hal.srv.services.config.issuer);
        expect(location.searchParams.has('code')).toBe(false);
      });

      it('refuses a decision without csrf with 403 and no redirect, leaving the request answerable', async () => {
        const { requestId, csrf } = await open();
        await expectRefused(
          await decide({ request_id: requestId, decision: 'approve' }),
          403,
          'Your form expired. Please go back and try again.',
        );
        expect((await decide({ csrf, request_id: requestId, decision: 'approve' })).status).toBe(303);
      });

      it('refuses a decision with a forged csrf with 403 and no redirect', async () => {
        const { requestId } = await open();
        await expectRefused(
          await decide({ csrf: 'forged', request_id: requestId, decision: 'approve' }),
          403,
          'Your form expired. Please go back and try again.',
        );
      });

      it("refuses another browser's csrf token with 403 (signed double-submit cookie)", async () => {
        const { requestId } = await open();
        const foreignCsrf = (await open({}, other.browser)).csrf;
        await expectRefused(
          await decide({ csrf: foreignCsrf, request_id: requestId, decision: 'approve' }),
          403,
          'Your form expired. Please go back and try again.',
        );
      });

      it('answers the second submission of the same form with 404 (one answer per request)', async () => {
        const { requestId, csrf } = await open();
        expect((await decide({ csrf, request_id: requestId, decision: 'approve' })).status).toBe(303);
        await expectRefused(
          await decide({ csrf, request_id: requestId, decision: 'approve' }),
          404,
          'This authorization request has expired or was already answered.',
        );
        await expectRefused(
          await decide({ csrf, request_id: requestId, decision: 'deny' }),
          404,
          'This authorization request has expired or was already answered.',
        );
      });

      it('lets exactly one of two concurrent submissions of one form win', async () => {
        const { requestId, csrf } = await open();
        const results = await Promise.all([
          decide({ csrf, request_id: requestId, decision: 'approve' }),
          decide({ csrf, request_id: requestId, decision: 'approve' }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([303, 404]);
      });

      it("answers 404 to a decision on another user's request_id, which stays answerable by its user", async () => {
        const theirs = await open({}, other.browser);
        const mine = await open();
        await expectRefused(
          await decide({ csrf: mine.csrf, request_id: theirs.requestId, decision: 'approve' }),
          404,
          'This authorization request has expired or was already answered.',
        );
        const res = await decide(
          { csrf: theirs.csrf, request_id: theirs.requestId, decision: 'approve' },
          other.browser,
        );
        expect(res.status).toBe(303);
      });

      it('refuses a decision from a signed-out browser with 401 and no redirect', async () => {
        const { requestId } = await open();
        const signedOut = new Browser(hal.url);
        const { csrf } = await signedOut.page('/login');
        await expectRefused(
          await decide({ csrf, request_id: requestId, decision: 'approve' }, signedOut),
          401,
          'Your session ended. Please sign in and start again from the application.',
        );
      });

      it('answers 404 to an unknown request_id', async () => {
        const { csrf } = await open();
        await expectRefused(
          await decide({ csrf, request_id: '01J9Z8Q4V7K3M2N5P6R8S0T1W2', decision: 'approve' }),
          404,
          'This authorization request has expired or was already answered.',
        );
      });

      it('answers 400 to a decision other than approve or deny', async () => {
        const { requestId, csrf } = await open();
        await expectRefused(
          await decide({ csrf, request_id: requestId, decision: 'maybe' }),
          400,
          'Choose approve or deny.',
        );
      });

      it.each([
        ['a project of another user', () => foreign],
        ['a project where the user is only a member', () => member],
        ['a project that does not exist', () => UNKNOWN_PROJECT],
        ['no project at all', () => undefined],
      ])('refuses a project-level approval naming %s with 400 and no redirect', async (_, project) => {
        const { requestId, csrf } = await open({ scope: 'projects:read' });
        const fields: Record<string, string> = { csrf, request_id: requestId, decision: 'approve' };
        const chosen = project();
        if (chosen) fields.project_id = chosen;
        await expectRefused(
          await decide(fields),
          400,
          'Choose one of your projects where you are an owner or admin.',
        );
      });

      it('binds the grant to the project the user picks, even another eligible one than the request named (contract: preselected)', async () => {
        const { verifier, challenge } = pkce();
        const redirect = await authorizeInBrowser(
          hal.user.browser,
          params({ scope: 'projects:read', project_id: owned, code_challenge: challenge }),
          { projectId: admin },
        );
        const token = await exchangeCode(hal.url, hal.app, {
          code: redirect.searchParams.get('code') as string,
          verifier,
          redirectUri: REDIRECT,
        });
        expect(token.status).toBe(200);
        expect(token.json.project_id).toBe(admin);
      });

      it('shows the consent page again with the error beside the picker when approved without a project, and the request stays alive', async () => {
        const { requestId, csrf } = await open({ scope: 'projects:read' });
        const refused = await decide({ csrf, request_id: requestId, decision: 'approve' });
        expect(refused.status).toBe(400);
        const html = await refused.text();
        expect(html).toContain('<form method="post" action="/oauth/authorize/decision">');
        expect(html).toMatch(
          /<label for="project_id">Project<\/label><p class="error" role="alert" id="project_error">Choose one of your projects where you are an owner or admin.<\/p><select id="project_id"/,
        );
        const again = consentForm(html);
        expect(again.requestId).toBe(requestId);
        expect(again.projects.map((p) => p.id).sort()).toEqual([owned, admin].sort());
        const approved = await decide({
          csrf: again.csrf as string,
          request_id: requestId,
          decision: 'approve',
          project_id: owned,
        });
        expect(approved.status).toBe(303);
        expect(new URL(approved.headers.get('location') as string).searchParams.get('code')).toBeTruthy();
      });

      it('binds the grant to the chosen admin project: the token carries its project_id', async () => {
        const { verifier, challenge } = pkce();
        const redirect = await authorizeInBrowser(
          hal.user.browser,
          params({ scope: 'projects:read', code_challenge: challenge }),
          { projectId: admin },
        );
        const token = await exchangeCode(hal.url, hal.app, {
          code: redirect.searchParams.get('code') as string,
          verifier,
          redirectUri: REDIRECT,
        });
        expect(token.status).toBe(200);
        expect(token.json).toMatchObject({ scope: 'projects:read', project_id: admin });
      });
    });

    describe('rich authorization requests (RFC 9396)', () => {
      it('grants authorization_details without scope and returns them with the chosen project_id in the token response (RFC 9396 §7)', async () => {
        const { verifier, challenge } = pkce();
        const redirect = await authorizeInBrowser(
          hal.user.browser,
          params({ scope: undefined, authorization_details: DETAILS_READ, code_challenge: challenge }),
          { projectId: owned },
        );
        const code = redirect.searchParams.get('code') as string;
        expect(code).toBeTruthy();
        const credentials = { id: hal.app.client_id, secret: hal.app.client_secret as string };
        const token = await exchangeCode(hal.url, hal.app, { code, verifier, redirectUri: REDIRECT });
        expect(token.status).toBe(200);
        expect(token.json.authorization_details).toEqual([
          { type: 'hal_project', actions: ['read'], project_id: owned },
        ]);
        expect(token.json.project_id).toBe(owned);

        const project = await api(hal.url, 'GET', `/api/v1/projects/${owned}`, {
          auth: bearer(token.json.access_token),
        });
        expect(project.status).toBe(200);
        expect(project.json.data.id).toBe(owned);

        const introspection = await oauthPost(
          hal.url,
          '/oauth/introspect',
          { token: token.json.access_token },
          credentials,
        );
        expect(introspection.json).toMatchObject({
          active: true,
          authorization_details: [{ type: 'hal_project', actions: ['read'], project_id: owned }],
        });
      });
    });

    describe('a user with no eligible project (contract: Scopes)', () => {
      let fresh: Browser;

      beforeAll(async () => {
        fresh = (await hal.signUp()).browser;
      });

      it('offers a Create project form and keeps approve disabled', async () => {
        const { html, requestId, projects } = await open({ scope: 'widget:serve' }, fresh);
        expect(html).toContain(`<form method="post" action="/oauth/authorize/consent/${requestId}/project">`);
        expect(html).toContain('Create project');
        expect(html).not.toContain('name="project_id"');
        expect(projects).toEqual([]);
        expect(html).toMatch(/<button type="submit" name="decision" value="approve" disabled(="")?>/);
      });

      it('refuses to create a project from the consent page without csrf with 403', async () => {
        const { requestId } = await open({ scope: 'widget:serve' }, fresh);
        await expectRefused(
          await fresh.post(`/oauth/authorize/consent/${requestId}/project`, { name: 'No csrf' }),
          403,
          'Your form expired. Please try again.',
        );
      });

      it('asks again with 400 for an empty project name', async () => {
        const { requestId, csrf } = await open({ scope: 'widget:serve' }, fresh);
        await expectRefused(
          await fresh.post(`/oauth/authorize/consent/${requestId}/project`, { csrf, name: '  ' }),
          400,
          'Enter a project name.',
        );
      });

      it('creates the project there, comes back with 303, lists it in the picker, and approves with it', async () => {
        const { verifier, challenge } = pkce();
        const { requestId, csrf } = await open({ scope: 'widget:serve', code_challenge: challenge }, fresh);
        const created = await fresh.post(`/oauth/authorize/consent/${requestId}/project`, {
          csrf,
          name: 'Fresh Shop',
        });
        expect(created.status).toBe(303);
        expect(created.headers.get('location')).toBe(`/oauth/authorize/consent/${requestId}`);

        const page = await fresh.fetch(`/oauth/authorize/consent/${requestId}`);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('Fresh Shop');
        const form = consentForm(html);
        expect(form.projects).toHaveLength(1);
        const projectId = form.projects[0]?.id as string;
        expect(projectId).toMatch(/^proj_[0-9A-HJKMNP-TV-Z]{26}$/);

        const res = await decide(
          { csrf: form.csrf as string, request_id: requestId, decision: 'approve', project_id: projectId },
          fresh,
        );
        expect(res.status).toBe(303);
        const code = new URL(res.headers.get('location') as string).searchParams.get('code') as string;
        const token = await exchangeCode(hal.url, hal.app, { code, verifier, redirectUri: REDIRECT });
        expect(token.status).toBe(200);
        expect(token.json).toMatchObject({ scope: 'widget:serve', project_id: projectId });
      });
    });
  },
);
