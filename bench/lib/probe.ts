import type { Load } from './load';

export interface Probe {
  status: number;
  body: string;
}

/** One request as the load will send it (a chain's token is rotated and its successor kept). */
export async function probe(load: Load): Promise<Probe> {
  const token = load.chain?.pool.pop();
  const body = load.chain && token !== undefined ? load.chain.body(token) : load.body;
  const res = await fetch(load.url, { method: load.method, headers: load.headers, body });
  const text = await res.text();
  const next = res.status === 200 ? load.chain?.next(text) : undefined;
  if (next) load.chain?.pool.push(next);
  return { status: res.status, body: text };
}
