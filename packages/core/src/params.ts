import { InvalidRequest } from './errors';

/**
 * Request parameters as OAuth reads them: every value of every name kept, so that repeated
 * parameters are detected instead of silently taking the last (RFC 6749 §3.1, §3.2).
 */
/**
 * The parameters each OAuth endpoint defines (RFC 6749 §4.1.1, §4.1.3, §6; RFC 7009; RFC 7662; RFC 9126),
 * checked for repeats. RFC 8707 `resource` is not among them: it may repeat.
 */
export const CLIENT_AUTH_PARAMS = ['client_id', 'client_secret'] as const;
export const AUTHORIZE_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'authorization_details',
  'project_id',
  'request_uri',
] as const;
export const TOKEN_PARAMS = [
  ...CLIENT_AUTH_PARAMS,
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'scope',
] as const;
export const TOKEN_MANAGEMENT_PARAMS = [...CLIENT_AUTH_PARAMS, 'token', 'token_type_hint'] as const;
export const PAR_PARAMS = [...AUTHORIZE_PARAMS, 'client_secret'] as const;
/** Parameters that may legitimately repeat (RFC 8707 §2). */
const MULTI_VALUED: readonly string[] = ['resource'];

const UNSTORABLE =
  'parameters must not contain NUL characters or unpaired surrogates, or nest deeper than 32 levels';

export class Params {
  private constructor(private readonly values: Map<string, string[]>) {}

  static from(entries: Iterable<[string, string]>): Params {
    return Params.collect(entries, isUnstorable);
  }

  /**
   * A decoded `application/x-www-form-urlencoded` body. Decoding (WHATWG URL §5.1: UTF-8 without
   * BOM) turns every invalid sequence into U+FFFD, so no value or name can hold a lone surrogate:
   * only NUL is refused, with the same error as {@link Params.from}.
   */
  static fromForm(form: URLSearchParams): Params {
    return Params.collect(form, (text) => text.includes('\u0000'));
  }

  private static collect(entries: Iterable<[string, string]>, unstorable: (text: string) => boolean): Params {
    const values = new Map<string, string[]>();
    for (const [name, value] of entries) {
      if (unstorable(name) || unstorable(value)) throw new InvalidRequest(UNSTORABLE);
      const list = values.get(name);
      if (list) list.push(value);
      else values.set(name, [value]);
    }
    return new Params(values);
  }

  /**
   * A JSON object body: strings as they are, arrays and objects (RAR) re-serialised as JSON; an
   * array of strings under a parameter that may repeat (`resource`) gives one value per element.
   */
  static fromJson(body: unknown): Params {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new InvalidRequest('request body must be a JSON object');
    // Checked before nested values are re-serialised: JSON.stringify of a deep one overflows the stack.
    if (isUnstorable(body)) throw new InvalidRequest(UNSTORABLE);
    const entries: [string, string][] = [];
    for (const [name, value] of Object.entries(body)) {
      if (value === null || value === undefined) continue;
      if (MULTI_VALUED.includes(name) && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
        for (const item of value) entries.push([name, item]);
        continue;
      }
      entries.push([
        name,
        typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value),
      ]);
    }
    return Params.from(entries);
  }

  /** The value of `name`; an empty value counts as omitted (RFC 6749 §3.1). */
  get(name: string): string | undefined {
    const value = this.values.get(name)?.[0];
    return value === '' ? undefined : value;
  }

  /** Every non-empty value of `name`, in order (RFC 8707 §2: `resource` may be given several times). */
  all(name: string): string[] {
    return (this.values.get(name) ?? []).filter((value) => value !== '');
  }

  isRepeated(name: string): boolean {
    return (this.values.get(name)?.length ?? 0) > 1;
  }

  /**
   * RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once." Only the
   * endpoint's own parameters are checked: unknown ones are ignored, and some (RFC 8707 `resource`)
   * may legitimately repeat.
   */
  assertNoRepeats(names: readonly string[]): void {
    for (const name of names) {
      if (this.isRepeated(name)) throw new InvalidRequest(`${name} is repeated`);
    }
  }

  /** Every value of every name, in order (what a pushed request stores, repeats included). */
  entries(): [string, string][] {
    return [...this.values].flatMap(([name, list]) => list.map((value): [string, string] => [name, value]));
  }
}

// A UTF-16 surrogate without its other half (JSON's "\ud800" parses to one).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorableText = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);

/**
 * True when `value` cannot be stored as given: a string holding NUL (PostgreSQL text cannot) or
 * an unpaired surrogate (not Unicode: PostgreSQL's jsonb refuses its `\ud800` escape), or
 * nesting deeper than `maxDepth` (no HAL input is deep; hostile ones are). Iterative, so a
 * deeply nested body cannot exhaust the stack.
 */
export function isUnstorable(value: unknown, maxDepth = 32): boolean {
  if (typeof value === 'string') return unstorableText(value); // the common case, without a stack
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item === 'string') {
      if (unstorableText(item)) return true;
    } else if (item && typeof item === 'object') {
      if (depth >= maxDepth) return true;
      for (const [key, child] of Object.entries(item)) {
        if (unstorableText(key)) return true;
        stack.push([child, depth + 1]);
      }
    }
  }
  return false;
}
