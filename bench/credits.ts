// `npm run bench` (credits part): debits per second through the admin API, for one hot organization
// and for 100 organizations at once. Orgauth runs as its own process (dist/main.js) on a throw-away
// FerretDB database; autocannon sends debits with fresh Idempotency-Keys over 32 connections.
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createApiKey } from '../src/apikeys/service.js';
import { loadConfig } from '../src/config.js';
import { addCredits } from '../src/credits/service.js';
import { verifyLedgers } from '../src/credits/verify.js';
import { createOrganization } from '../src/orgs/service.js';
import { openStores } from '../src/stores/index.js';
import { repoRoot } from '../src/stores/local/index.js';
import { signUp } from '../src/users/service.js';
import { benchServices, waitUntil } from './services.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const services = await benchServices('credits');
const { env } = services;
const stores = await openStores(loadConfig(env));
const server = fork(join(repoRoot, 'dist', 'main.js'), [], { env: { ...process.env, ...env }, stdio: 'ignore' });
const { base } = services;
await waitUntil(`${base}/readyz`);

async function fundedOrgs(count: number) {
  const orgs: Array<{ id: string; key: string }> = [];
  for (let i = 0; i < count; i++) {
    const user = await signUp(stores.db, { email: `bench-${count}-${i}@orgauth.test`, password: 'bench-password' });
    const org = await createOrganization(stores.db, { name: `Bench ${i}` }, user._id);
    await addCredits(
      stores.db,
      org._id,
      { amount: 1e9, description: 'bench' },
      { actor: { type: 'system', id: 'bench' } },
    );
    const { key } = await createApiKey(stores.db, { orgId: org._id, userId: user._id }, { name: 'bench' });
    orgs.push({ id: org._id, key });
  }
  return orgs;
}

async function debits(orgs: Array<{ id: string; key: string }>, label: string, connections = CONNECTIONS) {
  let n = 0;
  const result = await autocannon({
    url: base,
    connections,
    duration: DURATION,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          n += 1;
          const org = orgs[n % orgs.length] as { id: string; key: string };
          return {
            ...request,
            path: `/api/v1/orgs/${org.id}/credits/debits`,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${org.key}`,
              'idempotency-key': `${label}-${n}`,
            },
            body: JSON.stringify({ amount: 1, description: 'bench' }),
          };
        },
      },
    ],
  });
  if (result.non2xx) throw new Error(`${label}: ${result.non2xx} answers were not 2xx`);
  return {
    debitsPerSecond: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    rssMb: Math.round(
      Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    ),
  };
}

const hotOrg = await fundedOrgs(1);
const hotAtTwo = await debits(hotOrg, 'hot-2', 2);
const hot = await debits(hotOrg, 'hot');
const spread = await debits(await fundedOrgs(100), 'spread');
const verify = await verifyLedgers(stores.db);

const report = {
  date: new Date().toISOString(),
  node: process.version,
  durationSeconds: DURATION,
  connections: CONNECTIONS,
  oneHotOrganizationTwoConnections: hotAtTwo,
  oneHotOrganization: hot,
  hundredOrganizations: spread,
  ledgersVerified: verify.organizations,
  /** Entries that do not follow from the previous one: must be 0. */
  ledgerChainErrors: verify.reports.reduce((n, r) => n + r.chainErrors.length, 0),
  /** Cached heads behind their log (expected: the cache is refreshed every 32 entries and on reads). */
  cachesLagging: verify.reports.filter((r) => r.cacheBehind).length,
};
const outDir = join(repoRoot, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'credits.json'), `${JSON.stringify(report, null, 2)}\n`);
const table = [
  '| scenario | connections | debits/s | p50 ms | p99 ms | debits |',
  '|---|---|---|---|---|---|',
  `| one hot organization | 2 | ${hotAtTwo.debitsPerSecond} | ${hotAtTwo.p50Ms} | ${hotAtTwo.p99Ms} | ${hotAtTwo.total} |`,
  `| one hot organization | ${CONNECTIONS} | ${hot.debitsPerSecond} | ${hot.p50Ms} | ${hot.p99Ms} | ${hot.total} |`,
  `| 100 organizations | ${CONNECTIONS} | ${spread.debitsPerSecond} | ${spread.p50Ms} | ${spread.p99Ms} | ${spread.total} |`,
].join('\n');
writeFileSync(
  join(outDir, 'credits.md'),
  `# Debits through the admin API (${report.date}, ${DURATION}s per run, FerretDB on SQLite)\n\n${table}\n\nAfterwards ${verify.organizations} ledgers verified: ${report.ledgerChainErrors} chain errors; ${report.cachesLagging} cached heads behind their log, as designed (refreshed every 32 entries and on reads).\n`,
);
process.stdout.write(`${table}\n`);

server.kill();
await stores.close();
await services.stop();
process.exit(0);
