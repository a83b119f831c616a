/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Connection } from './hal-client';

const CSS =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}' +
  'main{max-width:34rem;margin:8vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}' +
  'h1{font-size:1.4rem;margin:0 0 1rem}a.button{display:inline-block;padding:.6rem 1rem;border-radius:6px;' +
  'background:#2f5bea;color:#fff;text-decoration:none}.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;' +
  'border-radius:6px}code{background:#eef0f4;padding:0 .25rem;border-radius:4px}.muted{color:#5b6474}';

/** JSON that stays inert inside an inline `<script>` (no `</script>`, `<!--` or line separators). */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** A whole page; hono/jsx escapes every interpolated value. */
export const Page = (p: { title: string; children?: Child }) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{p.title}</title>
        <link rel="icon" href="data:," />
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <main>{p.children}</main>
      </body>
    </html>
  </>
);

export const Home = (p: { connection?: Connection }) => (
  <Page title="Widget host">
    <h1>Example widget host</h1>
    {p.connection ? (
      <>
        <p>
          Connected to the HAL project <strong>{p.connection.projectName}</strong> (
          <code>{p.connection.projectId}</code>).
        </p>
        <p>
          <a class="button" href="/demo">
            Open the demo page
          </a>{' '}
          <a href="/connect">Connect again</a>
        </p>
      </>
    ) : (
      <>
        <p>Connect a HAL project to show the HAL widget to this site's signed-in visitors.</p>
        <p>
          <a class="button" href="/connect">
            Connect HAL
          </a>
        </p>
      </>
    )}
  </Page>
);

export const ErrorPage = (p: { message: string }) => (
  <Page title="Widget host: error">
    <h1>Something went wrong</h1>
    <p class="error" role="alert">
      {p.message}
    </p>
    <p>
      <a href="/">Back</a>
    </p>
  </Page>
);

/** The HAL embed: the queue stub, `init` and `identify`, then the widget script itself. */
export function snippet(p: {
  appId: string;
  apiBase: string;
  user: { user_id: string; user_hash: string; name?: string };
}): string {
  return [
    'window.HalWidget = window.HalWidget || function(){ (HalWidget.q = HalWidget.q || []).push(arguments) };',
    // Demo only: the outcome goes into the DOM so a person (and the e2e test) can see it.
    "HalWidget('on', 'identified', function () { report('ok'); });",
    "HalWidget('on', 'error', function (e) { report(e.code); });",
    `HalWidget('init', ${scriptJson({ app_id: p.appId, api_base: p.apiBase })});`,
    `HalWidget('identify', ${scriptJson(p.user)});`,
  ].join('\n');
}

// Listeners run after the body exists (the widget answers asynchronously).
const REPORT =
  'function report(outcome) { document.body.dataset.identify = outcome; ' +
  "document.getElementById('identify-outcome').textContent = outcome; }";

export const Demo = (p: {
  connection: Connection;
  user: { user_id: string; user_hash: string; name: string };
  tampered: boolean;
}) => (
  <Page title="Widget host: demo">
    <h1>Signed in as {p.user.name}</h1>
    <p>
      This page belongs to the widget host. Its visitor <code>{p.user.user_id}</code> is identified to the HAL
      widget of <strong>{p.connection.projectName}</strong> with a hash HAL signed for the host.
    </p>
    <p>
      Identify: <output id="identify-outcome">waiting…</output>
      {p.tampered ? <span class="muted"> (sent with a tampered user_hash)</span> : null}
    </p>
    <p>
      <a href="/demo?tamper=1">Try a tampered hash</a> · <a href="/">Home</a>
    </p>
    <script
      dangerouslySetInnerHTML={{
        __html: `${REPORT}\n${snippet({ appId: p.connection.appId, apiBase: p.connection.apiBaseUrl, user: p.user })}`,
      }}
    />
    <script async src={p.connection.widgetScriptUrl} />
  </Page>
);
