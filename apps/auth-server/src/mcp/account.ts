import { z } from 'zod';
import { describePrincipal } from '../services/principal';
import { READ, tool } from './tool';

/** The caller's identity, as `GET /api/v1/auth/me` shows it. */
export const accountTools = [
  tool({
    name: 'whoami',
    title: 'Who am I',
    description: 'The HAL account this client acts for (id, email, name) and how it is authorized.',
    scope: 'profile',
    input: z.object({}).strict(),
    annotations: READ,
    run: async ({ principal }) => describePrincipal(principal),
  }),
];
