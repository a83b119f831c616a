/** @jsxImportSource preact */
/** @jsxRuntime automatic */
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { formBody } from '../http/body';
import { safeReturnTo } from '../http/return-to';
import type { RouteDeps } from '../http/route-deps';
import type { Env } from '../http/types';
import { ServiceError } from '../services/errors';
import { LoginForm, SignUpForm } from '../views/accounts';
import { ErrorBox, renderPage } from '../views/layout';

const SignUp = z.object({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(100),
  // NIST SP 800-63B §5.1.1.2: at least 8 characters, long passphrases allowed.
  password: z.string().min(8).max(256),
});

/** `/login`, `/signup`, `/logout` and the signed-in home page (server-rendered, no JavaScript). */
export function accountPages(s: RouteDeps) {
  const app = new Hono<Env>();
  const returnTo = (value: string | null | undefined) => safeReturnTo(value, s.config.issuer, '/dashboard/');
  // Redirects after a form POST use 303 so the browser follows with GET (never 307).
  const seeOther = (c: Context, to: string) => c.redirect(to, 303);
  const expired = 'Your form expired. Please try again.';

  app.get('/login', async (c) => {
    const to = returnTo(c.req.query('return_to'));
    if (await s.sessions.current(c)) return c.redirect(to, 302);
    return renderPage(c, 'Sign in', <LoginForm csrf={s.csrf.token(c)} returnTo={to} />);
  });

  app.post('/login', async (c) => {
    const form = await formBody(c);
    const to = returnTo(form.get('return_to'));
    const email = form.get('email')?.trim() ?? '';
    const again = (error: string, status: 400 | 401 | 403 | 429) =>
      renderPage(
        c,
        'Sign in',
        <LoginForm csrf={s.csrf.token(c)} returnTo={to} email={email} error={error} />,
        status,
      );
    if (!s.csrf.verify(c, form.get('csrf'))) return again(expired, 403);
    const password = form.get('password') ?? '';
    if (!email || !password) return again('Enter your email and password.', 400);
    try {
      const user = await s.accounts.checkPassword(email, password, c.get('clientIp'));
      if (!user) return again('Incorrect email or password.', 401);
      await s.sessions.end(c); // a fresh session id at every sign-in: no session fixation
      await s.sessions.start(c, user.id);
      await s.accounts.signedIn(user.id, c.get('clientIp'));
      return seeOther(c, to);
    } catch (error) {
      if (error instanceof ServiceError && error.kind === 'rate_limited') {
        c.header('Retry-After', String(error.retryAfter ?? 60));
        return again('Too many sign-in attempts. Please wait and try again.', 429);
      }
      throw error;
    }
  });

  app.get('/signup', (c) =>
    renderPage(
      c,
      'Sign up',
      <SignUpForm csrf={s.csrf.token(c)} returnTo={returnTo(c.req.query('return_to'))} />,
    ),
  );

  app.post('/signup', async (c) => {
    const form = await formBody(c);
    const to = returnTo(form.get('return_to'));
    const fields = {
      email: form.get('email')?.trim() ?? '',
      name: form.get('name') ?? '',
      password: form.get('password') ?? '',
    };
    const again = (error: string, status: 400 | 403 | 409) =>
      renderPage(
        c,
        'Sign up',
        <SignUpForm
          csrf={s.csrf.token(c)}
          returnTo={to}
          email={fields.email}
          name={fields.name}
          error={error}
        />,
        status,
      );
    if (!s.csrf.verify(c, form.get('csrf'))) return again(expired, 403);
    const parsed = SignUp.safeParse(fields);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path[0];
      return again(
        field === 'password'
          ? 'Choose a password of at least 8 characters.'
          : field === 'email'
            ? 'Enter a valid email address.'
            : 'Enter your name.',
        400,
      );
    }
    try {
      const user = await s.accounts.signUp(parsed.data);
      await s.sessions.end(c);
      await s.sessions.start(c, user.id);
      return seeOther(c, to);
    } catch (error) {
      if (error instanceof ServiceError && error.kind === 'conflict')
        return again('An account with this email already exists.', 409);
      throw error;
    }
  });

  // GET never signs out (a cross-site <img> could otherwise do it): it shows a form.
  app.get('/logout', (c) =>
    renderPage(
      c,
      'Sign out',
      <form method="post" action="/logout">
        <h1>Sign out of HAL?</h1>
        <input type="hidden" name="csrf" value={s.csrf.token(c)} />
        <button type="submit">Sign out</button>
      </form>,
    ),
  );

  app.post('/logout', async (c) => {
    const form = await formBody(c);
    if (!s.csrf.verify(c, form.get('csrf'))) {
      return renderPage(c, 'Sign out', <ErrorBox message={expired} />, 403);
    }
    await s.sessions.end(c);
    return seeOther(c, '/login');
  });

  app.get('/', async (c) => {
    const session = await s.sessions.current(c);
    if (!session) return c.redirect('/login', 302);
    return renderPage(
      c,
      'HAL',
      <>
        <h1>Signed in</h1>
        <p>
          {session.user.name} ({session.user.email})
        </p>
        <p>
          <a href="/dashboard/">Open the dashboard</a>
        </p>
        <form method="post" action="/logout">
          <input type="hidden" name="csrf" value={s.csrf.token(c)} />
          <button type="submit" class="secondary">
            Sign out
          </button>
        </form>
      </>,
    );
  });

  return app;
}
