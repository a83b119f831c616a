import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative } from 'node:path';
import { Hono } from 'hono';
import type { Env } from '../http/types';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
// The dashboard talks only to /trpc on this origin and loads only its own files.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The Vite build's folder, found through node_modules (the workspace link) rather than relative to
 * this file, so the server finds it from src/ and from its bundle in dist/ alike.
 */
function distFolder(): string {
  return dirname(createRequire(import.meta.url).resolve('@hal/dashboard/dist/index.html'));
}

/** Every file of the Vite build, read once at start (a few tens of KiB). */
function loadDist(): Map<string, Buffer> | undefined {
  const files = new Map<string, Buffer>();
  let root: string;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(`/${relative(root, path)}`, readFileSync(path));
    }
  };
  try {
    root = distFolder();
    walk(root);
  } catch {
    return undefined;
  }
  return files.has('/index.html') ? files : undefined;
}

/** `/dashboard`: the Vite-built web app (hashed assets are immutable; the page itself is not cached). */
export function dashboardRoutes() {
  const files = loadDist();
  const app = new Hono<Env>();
  app.get('/dashboard', (c) => c.redirect('/dashboard/', 301));
  app.get('/dashboard/*', (c) => {
    if (!files) return c.text('The dashboard has not been built: run `npm run build`.', 503);
    const path = c.req.path.slice('/dashboard'.length);
    if (path.startsWith('/assets/')) {
      const asset = files.get(path);
      if (!asset) return c.text('not found', 404);
      c.header('Content-Type', TYPES[extname(path)] ?? 'application/octet-stream');
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      return c.body(new Uint8Array(asset));
    }
    // Every other path is the single-page app itself.
    c.header('Content-Type', TYPES['.html'] as string);
    c.header('Cache-Control', 'no-cache');
    c.header('Content-Security-Policy', CSP);
    return c.body(new Uint8Array(files.get('/index.html') as Buffer));
  });
  return app;
}
