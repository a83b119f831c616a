/** @jsxImportSource preact */
/** @jsxRuntime automatic */
import type { Context } from 'hono';
import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';

// No scripts on these pages; styles come from one same-origin file.
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const STYLESHEET = `
*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:26rem;margin:8vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input,select{width:100%;padding:.55rem;border:1px solid #b8bfcc;border-radius:6px;font:inherit}
button{margin-top:1.2rem;padding:.6rem 1rem;border:0;border-radius:6px;background:#2f5bea;color:#fff;font:inherit;cursor:pointer}
button.secondary{background:#e4e7ee;color:#1d2330}.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:6px}
.muted{color:#5b6474;font-size:.9rem}ul{padding-left:1.2rem}a{color:#2f5bea}
.notice{background:#fff4d6;color:#5c4500;padding:.6rem;border-radius:6px}.destination{font-size:1.1rem}
`;

/**
 * Renders a full HTML page with HAL's page security headers (CSP `frame-ancestors 'none'`).
 * Preact renders it, synchronously: hono/jsx runs every render inside an AsyncLocalStorage, which
 * on Node 20 turns on async hooks for every promise of the process from the first page on (a
 * quarter of the CPU time of an API request, measured with `npm run bench`).
 */
export function renderPage(
  c: Context,
  title: string,
  body: ComponentChildren,
  status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503 = 200,
  csp = PAGE_CSP,
) {
  c.header('Content-Security-Policy', csp);
  c.header('Cache-Control', 'no-store');
  const page = renderToString(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · HAL`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/assets/hal.css" />
      </head>
      <body>
        <main>{body}</main>
      </body>
    </html>,
  );
  return c.html(`<!DOCTYPE html>${page}`, status);
}

export const ErrorBox = (props: { message?: string }) =>
  props.message ? (
    <p class="error" role="alert">
      {props.message}
    </p>
  ) : null;
