import { constantEqual } from '@hal/core';
import type { Context } from 'hono';
import ipaddr from 'ipaddr.js';
import type { Env } from './types';

// A proxy on the same host connects from loopback: a request it forwarded is not a local one.
const FORWARDED_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/**
 * Whether the caller may read `/metrics`: with `Authorization: Bearer <HAL_METRICS_TOKEN>`
 * (compared in constant time), or, presenting no Bearer token, from a loopback peer whose request
 * no proxy forwarded. A wrong token is refused even from loopback.
 */
export function mayScrape(c: Context<Env>, token: string | undefined): boolean {
  const authorization = c.req.header('authorization');
  if (authorization && /^bearer /i.test(authorization))
    return token !== undefined && constantEqual(authorization.slice(7).trim(), token);
  return isLoopback(c.get('clientIp')) && FORWARDED_HEADERS.every((name) => !c.req.header(name));
}

function isLoopback(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
  return ip.range() === 'loopback';
}
