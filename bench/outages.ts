// `npm run bench` (outages): how fast Orgauth answers while a store is away, and how long it takes to be
// ready again once the store is back. The promise is "every request answers within 5 s while MongoDB or
// Redis is down" (503 with Retry-After when it needs the missing store, the usual answer otherwise);
// test/hardening/outages.test.ts proves the answers come (bounded at 15 s, not hanging), this measures
// them. Its own FerretDB and redis-server processes, stopped and restarted ROUNDS times for each
// outage; the server runs in this process. Written to bench/results/outages.json and .md.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey } from '../src/apikeys/service.js';
import { loadConfig } from '../src/config.js';
import { addCredits } from '../src/credits/service.js';
import { createLogger } from '../src/logger.js';
import { registerOrgClient } from '../src/oidc/clients.js';
import { createOidc } from '../src/oidc/index.js';
import { createOrganization } from '../src/orgs/service.js';
import { startServer } from '../src/server.js';
import { openStores } from '../src/stores/index.js';
import { startFerretDb } from '../src/stores/local/ferretdb.js';
import { repoRoot } from '../src/stores/local/index.js';
import { freePort } from '../src/stores/local/processes.js';
import { startRedisServer } from '../src/stores/local/redis-server.js';
import { signUp } from '../src/users/service.js';
import { benchEnv } from './services.js';

const ROUNDS = Number(process.env.BENCH_OUTAGE_ROUNDS ?? 5);
const PROMISE_MS = 5000;
const dataDir = mkdtempSync(join(tmpdir(), 'orgauth-bench-outages-'));
let ferret = await startFerretDb({ root: repoRoot, dataDir });
let redis = await startRedisServer();
const port = await freePort();
const config = loadConfig(benchEnv('outages', port, ferret.uri, redis.url));
const logger = createLogger(config);
const stores = await openStores(config, logger);
const server = await startServer(config, stores, logger);
const base = server.url;
const loadAtStart = loadavg()[0] ?? 0;

// An organization with credits, an owner's API key and a machine client.
const owner = await signUp(stores.db, { email: 'owner@outages.bench', password: 'bench-password-123', name: 'O' });
const org = await createOrganization(stores.db, { name: 'Outage Co' }, owner._id);
await addCredits(
  stores.db,
  org._id,
  { amount: 1_000_000, description: 'bench' },
  { actor: { type: 'system', id: 'bench' } },
);
const { key } = await createApiKey(stores.db, { orgId: org._id, userId: owner._id }, { name: 'bench' });
const { provider } = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
const worker = await registerOrgClient(provider, stores.db, {
  orgId: org._id,
  name: 'Outage worker',
  grantTypes: ['client_credentials'],
});
const basic = `Basic ${Buffer.from(`${worker.client_id}:${worker.client_secret}`).toString('base64')}`;
const formType = { 'content-type': 'application/x-www-form-urlencoded' };
const bearer = { authorization: `Bearer ${key}` };
let debits = 0;

/** One request of each kind a deployment serves: OAuth, the admin API, pages. */
const probes: Array<[string, () => Promise<Response>]> = [
  [
    'token (client credentials)',
    () =>
      fetch(`${base}/token`, {
        method: 'POST',
        headers: { ...formType, authorization: basic },
        body: 'grant_type=client_credentials',
      }),
  ],
  [
    'introspection',
    () =>
      fetch(`${base}/token/introspection`, {
        method: 'POST',
        headers: { ...formType, authorization: basic },
        body: 'token=x',
      }),
  ],
  ['admin API read', () => fetch(`${base}/api/v1/orgs/${org._id}`, { headers: bearer })],
  [
    'admin API debit',
    () =>
      fetch(`${base}/api/v1/orgs/${org._id}/credits/debits`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json', 'idempotency-key': `outage-${++debits}` },
        body: JSON.stringify({ amount: 1, description: 'during an outage' }),
      }),
  ],
  ['console sign-in page', () => fetch(`${base}/console/signin`)],
  ['discovery', () => fetch(`${base}/.well-known/openid-configuration`)],
];

const samples = new Map<string, number[]>();
const note = (name: string, ms: number) => samples.set(name, [...(samples.get(name) ?? []), ms]);
const statuses = new Map<string, Set<number>>();

async function probeAll(outage: string) {
  await Promise.all(
    probes.map(async ([name, request]) => {
      const started = performance.now();
      const response = await request();
      await response.arrayBuffer();
      note(`${outage}|${name}`, performance.now() - started);
      statuses.set(`${outage}|${name}`, (statuses.get(`${outage}|${name}`) ?? new Set()).add(response.status));
    }),
  );
}

async function untilReady(): Promise<number> {
  const started = performance.now();
  for (;;) {
    const ready = await fetch(`${base}/readyz`).then((r) => r.ok);
    if (ready) return performance.now() - started;
    if (performance.now() - started > 120_000) throw new Error('not ready 120 s after the stores returned');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const outages: Record<string, { stop: () => Promise<unknown>; start: () => Promise<unknown> }> = {
  mongodb: {
    stop: () => ferret.stop(),
    start: async () => {
      ferret = await startFerretDb({ root: repoRoot, dataDir, port: Number(new URL(ferret.uri).port) });
    },
  },
  redis: {
    stop: () => redis.stop(),
    start: async () => {
      redis = await startRedisServer(redis.port);
    },
  },
};
outages.both = {
  stop: () => Promise.all([outages.mongodb?.stop(), outages.redis?.stop()]),
  start: () => Promise.all([outages.mongodb?.start(), outages.redis?.start()]),
};

for (let round = 0; round < ROUNDS; round++) {
  for (const [outage, { stop, start }] of Object.entries(outages)) {
    await untilReady();
    await stop();
    // The first requests after the loss find it out (server selection, a Redis ping); later ones know.
    await probeAll(outage);
    await probeAll(outage);
    const restarted = performance.now();
    await start();
    note(`${outage}|ready again after the store returned`, (await untilReady()) + (performance.now() - restarted));
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
};
const rows = [...samples.entries()].map(([name, values]) => {
  const [outage = '', probe = ''] = name.split('|');
  return {
    outage,
    probe,
    n: values.length,
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    max: quantile(values, 1),
    statuses: [...(statuses.get(name) ?? [])].sort(),
  };
});
const answers = rows.filter((r) => !r.probe.startsWith('ready again'));
const worst = Math.max(...answers.map((r) => r.max));
const result = {
  at: new Date().toISOString(),
  loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
  rounds: ROUNDS,
  promiseMs: PROMISE_MS,
  kept: worst < PROMISE_MS,
  worstAnswerMs: worst,
  rows,
};
const outDir = join(repoRoot, 'bench', 'results');
writeFileSync(join(outDir, 'outages.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(
  join(outDir, 'outages.md'),
  [
    `## Store outages (${result.at})`,
    '',
    `Each store stopped ${ROUNDS === 1 ? 'once' : `${ROUNDS} times`} (MongoDB, Redis, both); during each outage every probe is sent twice, at once;`,
    `load average ${loadAtStart.toFixed(1)} at start, ${result.loadAverage.end.toFixed(1)} at the end.`,
    `The promise, every answer within ${PROMISE_MS / 1000} s: **${result.kept ? 'kept' : 'broken'}** (slowest answer ${worst} ms).`,
    '',
    '| store away | request | n | p50 ms | p99 ms | max ms | statuses |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.outage} | ${r.probe} | ${r.n} | ${r.p50} | ${r.p99} | ${r.max} | ${r.statuses.join(', ') || '—'} |`,
    ),
    '',
  ].join('\n'),
);
console.log(JSON.stringify({ kept: result.kept, worstAnswerMs: worst }));
await server.close();
await Promise.all([ferret.stop(), redis.stop()]);
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
