import { type WidgetError, warn } from './errors';

export interface IdentifiedUser {
  user_id: string;
  name?: string;
  email?: string;
}

interface EventMap {
  identified: IdentifiedUser;
  error: WidgetError;
}

type Listener = (payload: never) => void;

const listeners: Record<keyof EventMap, Set<Listener>> = { identified: new Set(), error: new Set() };

/** Subscribes to `identified` or `error`; returns an unsubscribe function. */
export function on(event: unknown, fn: unknown): () => void {
  const set = listeners[event as keyof EventMap];
  if (typeof fn !== 'function' || !Object.hasOwn(listeners, event as PropertyKey)) {
    warn('on() expects "identified" or "error", and a function');
    return () => {};
  }
  set.add(fn as Listener);
  return () => set.delete(fn as Listener);
}

export function emit<K extends keyof EventMap>(event: K, payload: EventMap[K]): void {
  const set = listeners[event] as Set<(payload: EventMap[K]) => void>;
  // Unhandled errors would otherwise vanish silently.
  if (event === 'error' && set.size === 0) warn(payload);
  for (const fn of set) {
    // A throwing listener belongs to the host page; it must not break the widget or other listeners.
    try {
      fn(payload);
    } catch (err) {
      warn(`${event} listener threw`, err);
    }
  }
}
