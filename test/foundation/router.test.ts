import { HalRouter, passThrough } from '@hal/auth-server';
import { Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { describe, expect, it } from 'vitest';

type H = [string, unknown];

describe('HAL router', () => {
  it('routes the contract’s /oauth/apps/public/:client_id beside /oauth/apps/:id (Hono’s RegExpRouter refuses them)', async () => {
    const app = new Hono({ router: new HalRouter() });
    app.use(async (c, next) => {
      await next();
      c.header('X-Seen', 'yes');
    });
    app.get('/api/v1/oauth/apps/public/:client_id', (c) => c.text(`public ${c.req.param('client_id')}`));
    app.get('/api/v1/oauth/apps/:id', (c) => c.text(`own ${c.req.param('id')}`));
    app.get('/api/v1/auth/me', (c) => c.text('me'));
    for (const [path, body] of [
      ['/api/v1/oauth/apps/public/abc', 'public abc'],
      ['/api/v1/oauth/apps/xyz', 'own xyz'],
      ['/api/v1/auth/me', 'me'],
      ['/api/v1/auth/me', 'me'],
    ]) {
      const res = await app.request(path as string);
      expect(await res.text()).toBe(body);
      expect(res.headers.get('x-seen')).toBe('yes');
    }
    expect((await app.request('/api/v1/auth/you')).status).toBe(404);
  });

  it('answers a literal path with the match the trie gives, computed once', () => {
    const router = new HalRouter<H>();
    const trie = new TrieRouter<H>();
    const routes: [string, string, H][] = [
      ['ALL', '/*', ['log', null]],
      ['ALL', '/api/v1/*', ['auth', null]],
      ['GET', '/api/v1/auth/me', ['me', null]],
      ['GET', '/api/v1/projects/:id', ['project', null]],
    ];
    for (const [method, path, handler] of routes) {
      router.add(method, path, handler);
      trie.add(method, path, handler);
    }
    const me = router.match('GET', '/api/v1/auth/me');
    expect(me).toEqual(trie.match('GET', '/api/v1/auth/me'));
    expect(router.match('GET', '/api/v1/auth/me')).toBe(me);
    // Paths the table does not name literally (parameters, made-up paths) are matched afresh each time.
    expect(router.match('GET', '/api/v1/projects/p1')).toEqual(trie.match('GET', '/api/v1/projects/p1'));
    expect(router.match('GET', '/api/v1/projects/p1')).not.toBe(router.match('GET', '/api/v1/projects/p1'));
    expect(router.match('GET', '/made/up')).not.toBe(router.match('GET', '/made/up'));
    // A route added later is part of the next match.
    router.add('GET', '/api/v1/auth/me', ['more', null]);
    expect(router.match('GET', '/api/v1/auth/me')[0].map(([[name]]) => name)).toEqual([
      'log',
      'auth',
      'me',
      'more',
    ]);
  });

  it('leaves a documentation-only middleware out of the chain it serves, but in the route table', async () => {
    let ran = false;
    const describe = passThrough((_c: unknown, next: () => Promise<void>) => {
      ran = true;
      return next();
    });
    const app = new Hono({ router: new HalRouter() }).get('/documented', describe, (c) => c.text('ok'));
    const res = await app.request('/documented');
    expect(await res.text()).toBe('ok');
    expect(ran).toBe(false);
    expect(app.routes.filter((r) => r.path === '/documented').map((r) => r.handler)).toContain(describe);
  });
});
