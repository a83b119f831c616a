import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import type { Env } from '../http/types';

/**
 * The page's own policy: Swagger UI's files and the document, all from HAL. Swagger UI needs no
 * `'unsafe-eval'` and no inline script (its start-up is `init.js`), and its styles come from its
 * stylesheet (inline `style` attributes it sets through the DOM are not restricted by CSP).
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

// Resolved through the package, not a path relative to this file, so a bundled server finds it.
const resolve = (file: string) => createRequire(import.meta.url).resolve(`swagger-ui-dist/${file}`);

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>HAL REST API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

// No validator badge (it would load an image from swagger.io); the document is HAL's own.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  validatorUrl: null,
  displayOperationId: true,
  defaultModelsExpandDepth: 0,
});
`;

const ASSETS: Record<string, { type: string; body: () => string }> = {
  'swagger-ui.css': {
    type: 'text/css; charset=utf-8',
    body: () => readFileSync(resolve('swagger-ui.css'), 'utf8'),
  },
  'swagger-ui-bundle.js': {
    type: 'text/javascript; charset=utf-8',
    // Its source map is not shipped: cut the comment so devtools do not ask for it.
    body: () =>
      readFileSync(resolve('swagger-ui-bundle.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'),
  },
  'init.js': { type: 'text/javascript; charset=utf-8', body: () => INIT },
};

/** `/docs`: an interactive reference of `/api/v1/openapi.json` (Swagger UI), served entirely by HAL. */
export function docsRoutes() {
  const loaded = new Map<string, string>(); // read on first use: the bundle is 1.7 MB
  const app = new Hono<Env>();
  app.get('/docs/', (c) => c.redirect('/docs', 301));
  app.get('/docs', (c) => {
    c.header('Content-Security-Policy', CSP);
    c.header('Cache-Control', 'no-cache');
    return c.html(PAGE);
  });
  app.get('/docs/assets/:file', (c) => {
    const name = c.req.param('file');
    const asset = ASSETS[name];
    if (!asset) return c.text('not found', 404);
    let body = loaded.get(name);
    if (body === undefined) {
      body = asset.body();
      loaded.set(name, body);
    }
    c.header('Content-Type', asset.type);
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(body);
  });
  return app;
}
