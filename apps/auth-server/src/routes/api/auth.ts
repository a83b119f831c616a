import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../../http/api-errors';
import { requireScope } from '../../http/auth';
import { jsonBody } from '../../http/body';
import type { Env } from '../../http/types';
import type { Services } from '../../services';
import { describePrincipal } from '../../services/principal';

const Login = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(256) });

/** `POST /api/v1/auth/login` (public) and `GET /api/v1/auth/me` (any method, `profile`). */
export function authRoutes(s: Services) {
  const open = new Hono<Env>().post('/login', async (c) => {
    const { email, password } = await jsonBody(c, Login);
    const user = await s.accounts.checkPassword(email, password, c.get('clientIp'));
    if (!user) throw new ApiError(401, 'invalid_credentials', 'incorrect email or password');
    c.header('Cache-Control', 'no-store');
    return c.json({ data: await s.accounts.startApiSession(user) });
  });

  const authed = new Hono<Env>().get('/me', requireScope('profile'), (c) =>
    c.json({ data: describePrincipal(c.get('principal')) }),
  );
  return { open, authed };
}
