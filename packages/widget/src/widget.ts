import { identifyBody, verifyIdentity } from './api';
import { isRecord, type WidgetError, widgetError } from './errors';
import { emit, on } from './events';
import { createLauncher } from './ui';

interface Config {
  appId: string;
  apiBase: string;
}

/** The public methods; inputs are `unknown` because they come from arbitrary host-page code. */
export function createWidget(defaultApiBase: string) {
  const launcher = createLauncher();
  let config: Config | undefined;
  // Bumped by identify and reset so that a late answer cannot overwrite newer state.
  let generation = 0;

  function reset(): void {
    generation++;
    launcher.render(undefined);
  }

  function init(options: unknown): void {
    const { app_id: appId, api_base: base } = isRecord(options) ? options : {};
    if (typeof appId !== 'string' || !appId) {
      emit('error', widgetError('invalid_request', 'app_id is required'));
      return;
    }
    if (config && config.appId !== appId) reset();
    const apiBase = typeof base === 'string' && base ? base : defaultApiBase;
    config = { appId, apiBase: apiBase.replace(/\/+$/, '') };
    launcher.mount();
  }

  async function verify(input: unknown): Promise<{ user_id: string }> {
    if (!config) throw widgetError('not_initialized', 'call init first');
    const body = identifyBody(config.appId, input);
    const current = ++generation;
    // The profile shown is the one HAL verified, never the host's unverified input.
    // The widget token is not kept until a widget API needs it; never in storage or cookies.
    const { widget_token, expires_in, ...user } = await verifyIdentity(config.apiBase, body);
    if (current !== generation) throw widgetError('superseded', 'replaced by a later call');
    launcher.render(user);
    emit('identified', user);
    return { user_id: user.user_id };
  }

  function identify(input: unknown): Promise<{ user_id: string }> {
    const result = verify(input).catch((err: unknown) => {
      // Only the widget's own errors carry a string code (a DOMException's is a number).
      const error =
        typeof (err as Partial<WidgetError> | null)?.code === 'string'
          ? (err as WidgetError)
          : widgetError('internal_error', String(err));
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
