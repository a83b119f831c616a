// The code flow snippets of an app's page, pure functions of the builder's settings (tests import
// them as `@hal/dashboard/snippets`). None holds a client secret: the dashboard never has it after
// creation, so each reads HAL_CLIENT_SECRET from the environment.
import { curlSnippet, sh } from './curl';
import { javascriptSnippet } from './javascript';
import { phpSnippet } from './php';
import { pythonSnippet } from './python';
import type { FlowSettings } from './settings';

export { newCodeVerifier, newState, s256 } from './pkce';
export * from './settings';
export { curlSnippet, javascriptSnippet, phpSnippet, pythonSnippet, sh };

export const LANGUAGES = [
  ['curl', 'curl', curlSnippet],
  ['javascript', 'JavaScript (oauth4webapi)', javascriptSnippet],
  ['python', 'Python', pythonSnippet],
  ['php', 'PHP', phpSnippet],
] as const satisfies readonly (readonly [string, string, (s: FlowSettings) => string])[];

export type Language = (typeof LANGUAGES)[number][0];
