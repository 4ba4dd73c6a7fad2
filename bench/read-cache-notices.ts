// `npm run bench` (read caches): how stale another instance's cached read can be. Two "instances"
// (two connections to one database, each with its own read caches and its own notice subscription on
// Redis, as two server processes have) share a membership; one changes the person's role, and the
// time until the other reads the new role is measured, REPEAT times. The cache TTL is set to an hour,
// so only the notice can explain a prompt change. Written to bench/results/read-cache.json and .md.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { findMembership, setMemberRole } from '../src/orgs/members-store.js';
import { createOrganization } from '../src/orgs/service.js';
import { openStores } from '../src/stores/index.js';
import { repoRoot } from '../src/stores/local/index.js';
import { cacheRegistry } from '../src/stores/read-cache.js';
import { signUp } from '../src/users/service.js';
import { benchServices } from './services.js';

const REPEAT = 200;
const services = await benchServices('read-cache');
const config = loadConfig({ ...services.env, READ_CACHE_TTL_SECONDS: '3600' });
const [writer, reader] = await Promise.all([openStores(config), openStores(config)]);
const loadAtStart = loadavg()[0] ?? 0;

const person = await signUp(writer.db, { email: 'cache@bench.test', password: 'bench-password-123', name: 'C' });
const org = await createOrganization(writer.db, { name: 'Cache Co' }, person._id);
const until = async (check: () => Promise<boolean>) => {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('no change seen in 30 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
};
// Both subscriptions up, so the reader caches.
await until(async () => cacheRegistry(reader.db).live && cacheRegistry(writer.db).live);

const samples: number[] = [];
let reads = 0;
for (let i = 0; i < REPEAT; i++) {
  const role = i % 2 === 0 ? 'admin' : 'owner';
  await findMembership(reader.db, org._id, person._id);
  const started = performance.now();
  await setMemberRole(writer.db, org._id, person._id, role);
  await until(async () => {
    reads++;
    return (await findMembership(reader.db, org._id, person._id))?.role === role;
  });
  samples.push(performance.now() - started);
}
samples.sort((a, b) => a - b);
const at = (q: number) =>
  Math.round((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0) * 100) / 100;
const result = {
  at: new Date().toISOString(),
  loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
  repeat: REPEAT,
  msUntilSeen: { p50: at(0.5), p99: at(0.99), max: at(1) },
  readsPerChange: Math.round((reads / REPEAT) * 10) / 10,
};
const outDir = join(repoRoot, 'bench', 'results');
writeFileSync(join(outDir, 'read-cache.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  join(outDir, 'read-cache.md'),
  [
    `## Read-cache notices (${result.at})`,
    '',
    `A role changed through one instance, read from another instance's cache (TTL one hour, so only the`,
    `notice explains the change), ${REPEAT} times; load average ${loadAtStart.toFixed(1)} at start.`,
    '',
    '| ms until the other instance reads the change | p50 | p99 | max |',
    '|---|---|---|---|',
    `| role change (write, notice on Redis, forget, read again) | ${result.msUntilSeen.p50} | ${result.msUntilSeen.p99} | ${result.msUntilSeen.max} |`,
    '',
  ].join('\n'),
);
console.log(JSON.stringify(result));
await Promise.all([writer.close(), reader.close()]);
await services.stop();
