import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { useInstance } from '../support/fixtures';
import { authorizeInBrowser } from '../support/oauth';
import { BACKENDS } from '../support/servers';

const README = join(import.meta.dirname, '..', '..', 'examples', 'widget-host', 'README.md');
const HOST = 'http://127.0.0.1:4000';

/** The one TypeScript block of the example's README. */
function readmeSnippet(): string {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)];
  expect(blocks).toHaveLength(1);
  return blocks[0]?.[1] as string;
}

declare global {
  // The README's `request` is the callback request; the test answers it by running the consent.
  var __halReadmeCallback: (authorize: string) => Promise<string>;
}

// Keeps the README honest: its snippet is run as written, against a real HAL, with only the
// callback request (which a real host receives from the browser) filled in.
describe(`the example widget host README integration (${BACKENDS.at(-1)})`, () => {
  const hal = useInstance(BACKENDS.at(-1) ?? 'pglite');

  it('is under 30 lines and connects, refreshes, signs and embeds as written', async () => {
    const snippet = readmeSnippet();
    expect(snippet.trimEnd().split('\n').length).toBeLessThan(30);

    const { browser, auth: owner } = hal.user;
    const project = await hal.user.createProject('Shop');
    await api(hal.url, 'PATCH', `/api/v1/projects/${project.id}`, {
      auth: owner,
      body: { allowed_origins: [HOST] },
    });
    const app = await hal.registerApp({
      redirect_uris: [`${HOST}/callback`],
      allowed_scopes: ['widget:serve', 'projects:read'],
    });
    Object.assign(process.env, {
      HAL_URL: hal.url,
      HAL_CLIENT_ID: app.client_id,
      HAL_CLIENT_SECRET: app.client_secret,
      PUBLIC_URL: HOST,
    });
    globalThis.__halReadmeCallback = async (authorize) => {
      const params = Object.fromEntries(new URL(authorize).searchParams);
      return (await authorizeInBrowser(browser, params)).href;
    };

    const oauth4webapi = pathToFileURL(createRequire(import.meta.url).resolve('oauth4webapi')).href;
    const runnable = snippet
      .replace("from 'oauth4webapi'", `from '${oauth4webapi}'`)
      .replace('new URL(request.url)', 'new URL(await globalThis.__halReadmeCallback(authorize))');
    expect(runnable).toContain('__halReadmeCallback');
    const file = join(mkdtempSync(join(tmpdir(), 'hal-readme-')), 'integration.ts');
    writeFileSync(file, `${runnable}\nexport { html, project, tokens, user_hash };\n`);
    const ran = await import(pathToFileURL(file).href);

    expect(ran.project.app_id).toBe(project.app_id);
    expect(ran.tokens.refresh_token).toMatch(/^hal_rt_/);
    expect(ran.html).toContain(`HalWidget('init', {"app_id":"${project.app_id}"})`);
    expect(ran.html).toContain(`<script async src="${hal.url}/widget/v1/hal-widget.js"></script>`);
    const identify = await api(hal.url, 'POST', '/api/widget/v1/identify', {
      headers: { origin: HOST },
      body: { app_id: project.app_id, user_id: 'demo-user-1', user_hash: ran.user_hash },
    });
    expect(identify.status).toBe(200);
    expect(identify.json.data.user_id).toBe('demo-user-1');
  });
});
