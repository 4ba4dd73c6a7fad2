// Prints the functions with the most self time in the newest CPU profile of bench/results/profiles/
// (written by `BENCH_PROFILE=1 node --import tsx bench/token-endpoint.ts`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../src/stores/local/index.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const dir = join(repoRoot, 'bench', 'results', 'profiles');
const newest = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs }))
  .sort((a, b) => b.at - a.at)[0];
if (!newest) throw new Error(`no .cpuprofile in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, newest.f), 'utf8')) as Profile;
const total = profile.samples.length;
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/');
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + (node.hitCount ?? 0));
}
const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[2] ?? 15));
process.stdout.write(
  `${newest.f}: ${total} samples over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s\n`,
);
for (const [name, hits] of top) process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}\n`);
