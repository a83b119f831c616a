/** Error passed to `identify` callers and `on('error')`; `code` is the server's error code or a client one. */
export class WidgetError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HalWidgetError';
  }
}

/** The widget reports problems here instead of throwing into the host page. */
export const warn = (...args: unknown[]): void => console.warn('[HalWidget]', ...args);

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;
