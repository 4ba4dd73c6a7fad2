// Prints the functions with the most self time in a V8 CPU profile (.cpuprofile JSON: a call tree of
// nodes, each with its own sample count). Default: the newest profile of bench/results/profiles/,
// written by `BENCH_PROFILE=1 npm run bench`. Usage: node --import tsx bench/profile-top.ts [file|dir] [n]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

/**
 * The newest .cpuprofile of a folder, of a main thread (Node names them CPU.<date>.<time>.<pid>.<thread>.<n>,
 * thread 0 the main one; a server started through tsx also profiles its loader's thread).
 */
export function newestProfile(dir: string): string {
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && !/^CPU\.\d+\.\d+\.\d+\.[1-9]\d*\./.test(f))
    .map((f) => ({ f, at: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at)[0];
  if (!newest) throw new Error(`no .cpuprofile in ${dir}`);
  return join(dir, newest.f);
}

/** Self time per function (name, file, line), most first; shares are of the samples when not idle. */
export function topFunctions(file: string, count = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byFunction = new Map<string, number>();
  // A node's own samples are its self time; the same function appears under many call paths.
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      .replace(/^file:\/\//, '')
      .replace(/^.*node_modules\//, '')
      .replace(`${repoRoot}/`, '');
    const key = `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  // Self time per package (node_modules/<name>), Orgauth's own code, Node's internals, or V8 (GC, program).
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const { url, functionName } = node.callFrame;
    const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const where = modules
      ? modules
      : url.includes('/dist/') || url.includes('/src/')
        ? 'orgauth (dist/)'
        : url.startsWith('node:')
          ? 'node internals'
          : functionName.startsWith('(')
            ? functionName
            : 'native (sockets, crypto…)';
    byPackage.set(where, (byPackage.get(where) ?? 0) + (node.hitCount ?? 0));
  }
  const idle = byFunction.get('(idle)') ?? 0;
  const busy = profile.samples.length - idle;
  const top = [...byFunction]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, hits]) => ({ name, samples: hits, percentOfBusy: Math.round((hits / busy) * 1000) / 10 }));
  const packages = [...byPackage]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, hits]) => ({ name, percentOfBusy: Math.round((hits / busy) * 1000) / 10 }));
  return {
    file,
    packages,
    seconds: (profile.endTime - profile.startTime) / 1e6,
    samples: profile.samples.length,
    idlePercent: Math.round((idle / profile.samples.length) * 1000) / 10,
    top,
  };
}

export function printTopFunctions(fileOrDir: string, count = 15): void {
  const file = fileOrDir.endsWith('.cpuprofile') ? fileOrDir : newestProfile(fileOrDir);
  const summary = topFunctions(file, count);
  process.stdout.write(
    `${summary.file}: ${summary.samples} samples over ${summary.seconds.toFixed(1)} s, ${summary.idlePercent}% idle\n` +
      `self time, % of busy samples:\n`,
  );
  for (const f of summary.top) process.stdout.write(`${f.percentOfBusy.toFixed(1).padStart(5)}%  ${f.name}\n`);
  process.stdout.write('self time by package, % of busy samples:\n');
  for (const p of summary.packages) process.stdout.write(`${p.percentOfBusy.toFixed(1).padStart(5)}%  ${p.name}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTopFunctions(process.argv[2] ?? join(repoRoot, 'bench', 'results', 'profiles'), Number(process.argv[3] ?? 15));
}
