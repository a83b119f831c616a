import { warn } from './errors';
import { createWidget } from './widget';

declare global {
  interface Window {
    HalWidget?: unknown;
  }
}

type Method = (...args: unknown[]) => unknown;

function load(): void {
  const existing = window.HalWidget as { q?: unknown; identify?: unknown } | undefined;
  // Loaded twice: keep the first instance and its state.
  if (typeof existing?.identify === 'function') return;

  // currentScript is only set while this classic script runs, so read it now.
  const script = document.currentScript as HTMLScriptElement | null;
  let apiBase = location.origin;
  try {
    apiBase = new URL(script?.src ?? '').origin;
  } catch {
    // Inline or injected without src: the page's own origin is the best guess.
  }

  const widget: Record<string, Method> = createWidget(apiBase);
  // Both styles work after load: HalWidget('identify', {...}) and HalWidget.identify({...}).
  // Public entry points never throw into the host page.
  const api = (name: unknown, ...args: unknown[]): unknown => {
    const fn = typeof name === 'string' && Object.hasOwn(widget, name) ? widget[name] : undefined;
    if (!fn) return warn('unknown method', name);
    try {
      return fn(...args);
    } catch (err) {
      warn(err);
    }
  };
  for (const name in widget)
    (api as unknown as Record<string, Method>)[name] = (...args) => api(name, ...args);
  // Installed before replaying, so listeners that call HalWidget during replay reach the real one.
  window.HalWidget = api;

  const appId = script?.dataset.appId;
  if (appId) api('init', { app_id: appId, api_base: script?.dataset.apiBase });
  // Replays, in order, the `arguments` objects the embed snippet's stub queued before this loaded.
  const queue = existing?.q;
  if (Array.isArray(queue)) for (const args of queue) api(...(args as [unknown]));
}

try {
  load();
} catch (err) {
  warn(err);
}
