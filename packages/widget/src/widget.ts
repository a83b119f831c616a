import { identifyBody, profileOf, verifyIdentity } from './api';
import { isRecord, WidgetError } from './errors';
import { emit, type IdentifiedUser, on } from './events';
import { createLauncher } from './ui';

interface Config {
  appId: string;
  apiBase: string;
}

/** The public methods; inputs are `unknown` because they come from arbitrary host-page code. */
export function createWidget(defaultApiBase: string) {
  const launcher = createLauncher();
  let config: Config | undefined;
  let user: IdentifiedUser | undefined;
  // Kept in memory only: never in storage or cookies, so it dies with the page.
  // TODO(widget-token): send it on widget API calls and drop it after expires_in.
  let widgetToken: string | undefined;
  // Bumped by identify and reset so that a late answer cannot overwrite newer state.
  let generation = 0;

  function reset(): void {
    generation++;
    user = widgetToken = undefined;
    launcher.render(undefined);
  }

  function init(options: unknown): void {
    const appId = isRecord(options) ? options.app_id : undefined;
    if (typeof appId !== 'string' || !appId) {
      emit('error', new WidgetError('invalid_request', 'app_id is required'));
      return;
    }
    const base = isRecord(options) && typeof options.api_base === 'string' ? options.api_base : '';
    if (config && config.appId !== appId) reset();
    config = { appId, apiBase: (base || defaultApiBase).replace(/\/+$/, '') };
    launcher.mount();
  }

  async function verify(input: unknown): Promise<{ user_id: string }> {
    if (!config) throw new WidgetError('not_initialized', 'call init({ app_id }) before identify');
    const body = identifyBody(config.appId, input);
    const current = ++generation;
    const verified = await verifyIdentity(config.apiBase, body);
    if (current !== generation)
      throw new WidgetError('superseded', 'a later identify or reset replaced this call');
    widgetToken = verified.widget_token;
    user = profileOf(verified.user_id, body);
    launcher.render(user);
    emit('identified', user);
    return { user_id: user.user_id };
  }

  function identify(input: unknown): Promise<{ user_id: string }> {
    const result = verify(input).catch((err: unknown) => {
      const error = err instanceof WidgetError ? err : new WidgetError('internal_error', String(err));
      if (error.code !== 'superseded') emit('error', error);
      throw error;
    });
    // Errors already reach on('error'); marking the promise handled keeps a caller that ignores it
    // (every queued call does) from raising unhandledrejection in the host page.
    result.catch(() => {});
    return result;
  }

  return { init, identify, reset, on };
}
