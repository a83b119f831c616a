import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run profile -w @hal/bench -- [file.cpuprofile]`: the heaviest frames of a V8 CPU profile
 * by self time, and the same time grouped by package, as shares of the busy (non-idle) time.
 * `BENCH_PROFILE=1 npm run bench` writes one profile of HAL per scenario (the measured run only).
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const dir = new URL('.profiles/', import.meta.url).pathname;
const newest = () =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
const file = process.argv[2] ?? newest();
if (!file) throw new Error(`no profile in ${dir}`);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const all = [...selfUs.values()].reduce((a, b) => a + b, 0);
const total = [...selfUs].reduce((sum, [id, us]) => (idle.has(id) ? sum : sum + us), 0);

function where(url: string) {
  if (!url) return '(native / V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1] as string;
  if (url.startsWith('node:')) return 'node core';
  const own = /\/work\/[^/]+\/(apps\/[^/]+|packages\/[^/]+|bench|test)\//.exec(url);
  return own ? (own[1] as string) : url;
}

const byFrame = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  if (idle.has(node.id)) continue;
  const us = selfUs.get(node.id) ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  const frame = `${functionName || '(anonymous)'}  ${url.replace(/^.*\/(node_modules|work\/[^/]+)\//, '')}:${lineNumber + 1}`;
  byFrame.set(frame, (byFrame.get(frame) ?? 0) + us);
  byPackage.set(where(url), (byPackage.get(where(url)) ?? 0) + us);
}

const top = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(
  `${file}: ${(all / 1e6).toFixed(1)} s sampled, ${((100 * total) / all).toFixed(0)}% busy\n\nSelf time by frame:\n${top(byFrame, 30)}`,
);
console.log(`\nSelf time by package:\n${top(byPackage, 15)}`);
