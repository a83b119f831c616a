/** Error passed to `identify` callers and `on('error')`; `code` is the server's error code or a client one. */
export interface WidgetError extends Error {
  code: string;
}

export const widgetError = (code: string, message: string): WidgetError =>
  Object.assign(new Error(message), { code });

/** The widget reports problems here instead of throwing into the host page. */
export const warn = (...args: unknown[]): void => console.warn('[HalWidget]', ...args);

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;
