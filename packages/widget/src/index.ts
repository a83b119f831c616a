import { warn } from './errors';
import { replay } from './queue';
import { createWidget } from './widget';

declare global {
  interface Window {
    HalWidget?: unknown;
  }
}

type Method = (...args: unknown[]) => unknown;

function load(): void {
  const existing = window.HalWidget as (Method & { q?: unknown; identify?: unknown }) | undefined;
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

  const widget = createWidget(apiBase);
  const methods: Record<string, Method> = {};
  for (const [name, fn] of Object.entries(widget)) {
    // Public entry points never throw into the host page.
    methods[name] = (...args) => {
      try {
        return (fn as Method)(...args);
      } catch (err) {
        warn(err);
      }
    };
  }
  const call = (name: unknown, args: unknown[]): unknown => {
    const fn = typeof name === 'string' && Object.hasOwn(methods, name) ? methods[name] : undefined;
    if (fn) return fn(...args);
    warn(`unknown method ${String(name)}`);
  };

  // Both styles work after load: HalWidget('identify', {...}) and HalWidget.identify({...}).
  const api = Object.assign((name: unknown, ...args: unknown[]) => call(name, args), methods);
  // Installed before replaying, so listeners that call HalWidget during replay reach the real one.
  window.HalWidget = api;

  const appId = script?.dataset.appId;
  if (appId) call('init', [{ app_id: appId, api_base: script?.dataset.apiBase }]);
  replay(existing?.q, call);
}

try {
  load();
} catch (err) {
  warn(err);
}
