import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../../http/api-errors';
import { requireScope } from '../../http/auth';
import { errorResponse, jsonInput, jsonResponse, operation, refusals } from '../../http/openapi';
import { data, Me, Session } from '../../http/outputs';
import type { Env } from '../../http/types';
import type { Services } from '../../services';
import { describePrincipal } from '../../services/principal';

const Login = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(256) });
const tags = ['Account'];

/** `POST /api/v1/auth/login` (public) and `GET /api/v1/auth/me` (any method, `profile`). */
export function authRoutes(s: Services) {
  const open = new Hono<Env>().post(
    '/login',
    jsonInput(Login),
    operation({
      operationId: 'login',
      summary: 'Sign in for a session JWT',
      description: 'The token authenticates later calls as `Authorization: Bearer <token>`.',
      tags,
      responses: {
        200: jsonResponse('a session', data(Session)),
        401: errorResponse('`invalid_credentials`: incorrect email or password'),
        ...refusals.rateLimited,
      },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      const user = await s.accounts.checkPassword(email, password, c.get('clientIp'));
      if (!user) throw new ApiError(401, 'invalid_credentials', 'incorrect email or password');
      c.header('Cache-Control', 'no-store');
      return c.json({ data: await s.accounts.startApiSession(user) });
    },
  );

  const authed = new Hono<Env>().get(
    '/me',
    requireScope('profile'),
    operation({
      operationId: 'getMe',
      summary: 'Who is calling',
      description: 'The account and how it authenticated; any authentication method.',
      tags,
      responses: { 200: jsonResponse('the caller', data(Me)) },
    }),
    (c) => c.json({ data: describePrincipal(c.get('principal')) }),
  );
  return { open, authed };
}
