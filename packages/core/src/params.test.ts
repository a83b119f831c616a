import { describe, expect, it } from 'vitest';
import { InvalidRequest } from './errors';
import { Params } from './params';

describe('Params.fromForm', () => {
  const form = (body: string) => Params.fromForm(new URLSearchParams(body));

  it('keeps every value of a repeated name', () => {
    const params = form('grant_type=client_credentials&resource=a&resource=b');
    expect(params.get('grant_type')).toBe('client_credentials');
    expect(params.all('resource')).toEqual(['a', 'b']);
    expect(() => params.assertNoRepeats(['resource'])).toThrow(InvalidRequest);
  });

  it.each([
    ['a NUL in a value', 'token=a%00b'],
    ['a NUL in a name', 'to%00ken=a'],
  ])('refuses %s, as Params.from does', (_, body) => {
    expect(() => form(body)).toThrow(InvalidRequest);
    expect(() => Params.from(new URLSearchParams(body))).toThrow(InvalidRequest);
  });

  it('cannot meet a lone surrogate: decoding replaces an encoded one', () => {
    expect(form('token=%ED%A0%80').get('token')).toBe('\uFFFD\uFFFD\uFFFD');
  });
});
