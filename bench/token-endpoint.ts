// `npm run bench` (token endpoint part): client-credentials tokens (JWT and opaque) and introspection,
// for Orgauth (dist/main.js on FerretDB + Redis, every token recorded in MongoDB) and, in the same run
// on the same machine, for bare oidc-provider with its in-memory adapter; each figure is also a ratio.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import '../src/oidc/notices.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { registerOrgClient } from '../src/oidc/clients.js';
import { createOidc } from '../src/oidc/index.js';
import { createOrganization } from '../src/orgs/service.js';
import { createResourceServer } from '../src/resources/service.js';
import { openStores } from '../src/stores/index.js';
import { repoRoot } from '../src/stores/local/index.js';
import { freePort } from '../src/stores/local/processes.js';
import { signUp } from '../src/users/service.js';
import { benchServices, waitUntil } from './services.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const JWT_API = 'https://bench-jwt.orgauth.test/';
const OPAQUE_API = 'https://bench-opaque.orgauth.test/';

interface Target {
  name: string;
  base: string;
  clientId: string;
  clientSecret: string;
  child: ChildProcess;
}

/** Resident memory of a process, in MB (Linux). */
function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function orgauth(): Promise<Target & { cleanup(): Promise<void> }> {
  const services = await benchServices('token');
  const { env, base } = services;
  const config = loadConfig(env);
  const stores = await openStores(config);
  const { provider } = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
  const owner = await signUp(stores.db, { email: 'bench-token@orgauth.test', password: 'bench-password' });
  const org = await createOrganization(stores.db, { name: 'Bench' }, owner._id);
  await createResourceServer(stores.db, { uri: JWT_API, scopes: ['read'], format: 'jwt', orgId: org._id });
  await createResourceServer(stores.db, { uri: OPAQUE_API, scopes: ['read'], format: 'opaque', orgId: org._id });
  const client = await registerOrgClient(provider, stores.db, {
    orgId: org._id,
    name: 'Bench worker',
    grantTypes: ['client_credentials'],
    scope: 'read',
  });
  const child = fork(join(repoRoot, 'dist', 'main.js'), [], { env: { ...process.env, ...env }, stdio: 'ignore' });
  await waitUntil(`${base}/readyz`);
  return {
    name: 'orgauth',
    base,
    clientId: client.client_id,
    clientSecret: client.client_secret ?? '',
    child,
    async cleanup() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await stores.close();
      await services.stop();
    },
  };
}

async function baseline(): Promise<Target & { cleanup(): Promise<void> }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const credentials = { CLIENT_ID: 'bench-worker', CLIENT_SECRET: 'bench-worker-secret-0123456789abcdef' };
  const child = fork(join(repoRoot, 'bench', 'baseline-provider.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PORT: String(port), ISSUER: base, JWT_API, OPAQUE_API, ...credentials },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));
  return {
    name: 'oidc-provider',
    base,
    clientId: credentials.CLIENT_ID,
    clientSecret: credentials.CLIENT_SECRET,
    child,
    async cleanup() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const basic = (t: Target) => `Basic ${Buffer.from(`${t.clientId}:${t.clientSecret}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function tokenFor(t: Target, resource: string): Promise<string> {
  const answer = await fetch(`${t.base}/token`, {
    method: 'POST',
    headers: { authorization: basic(t), ...form },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'read' }),
  });
  const body = (await answer.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`${t.name}: no token (${JSON.stringify(body)})`);
  return body.access_token;
}

interface Scenario {
  name: string;
  request(t: Target): Promise<{ path: string; method: 'GET' | 'POST'; headers: Record<string, string>; body?: string }>;
}

const scenarios: Scenario[] = [
  {
    name: 'client credentials, JWT',
    request: async (t) => ({
      path: '/token',
      method: 'POST',
      headers: { authorization: basic(t), ...form },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: JWT_API, scope: 'read' }).toString(),
    }),
  },
  {
    name: 'client credentials, opaque',
    request: async (t) => ({
      path: '/token',
      method: 'POST',
      headers: { authorization: basic(t), ...form },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'read' }).toString(),
    }),
  },
  {
    name: 'introspection, opaque',
    request: async (t) => ({
      path: '/token/introspection',
      method: 'POST',
      headers: { authorization: basic(t), ...form },
      body: new URLSearchParams({ token: await tokenFor(t, OPAQUE_API) }).toString(),
    }),
  },
];

async function load(t: Target, scenario: Scenario, connections: number) {
  const { path, ...request } = await scenario.request(t);
  const options = { url: `${t.base}${path}`, ...request, connections };
  await autocannon({ ...options, duration: 1 }); // warm caches and JIT
  const result = await autocannon({ ...options, duration: DURATION });
  return {
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    rssMb: rssMb(t.child.pid),
  };
}

const results: Array<Record<string, unknown>> = [];
for (const start of [baseline, orgauth]) {
  const target = await start();
  try {
    for (const scenario of scenarios) {
      for (const connections of [2, 32]) {
        results.push({
          server: target.name,
          scenario: scenario.name,
          connections,
          ...(await load(target, scenario, connections)),
        });
      }
    }
  } finally {
    await target.cleanup();
  }
}

type Row = {
  server: string;
  scenario: string;
  connections: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  rssMb: number;
};
const rows = results as Row[];
const table = rows
  .filter((r) => r.server === 'orgauth')
  .map((r) => {
    const base = rows.find(
      (b) => b.server === 'oidc-provider' && b.scenario === r.scenario && b.connections === r.connections,
    );
    const ratio = base ? (r.rps / base.rps).toFixed(2) : '–';
    return `| ${r.scenario} | ${r.connections} | ${r.rps} | ${base?.rps ?? '–'} | ${ratio} | ${r.p50Ms} | ${r.p99Ms} | ${base?.p99Ms ?? '–'} | ${r.errors} | ${r.rssMb} / ${base?.rssMb ?? '–'} |`;
  });
const date = new Date().toISOString();
const outDir = join(repoRoot, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'token-endpoint.json'),
  `${JSON.stringify({ date, node: process.version, durationSeconds: DURATION, results }, null, 2)}\n`,
);
writeFileSync(
  join(outDir, 'token-endpoint.md'),
  [
    `# Token endpoint: Orgauth vs bare oidc-provider (${date}, ${DURATION}s per run)`,
    '',
    '| scenario | connections | Orgauth req/s | oidc-provider req/s | ratio | p50 ms | p99 ms | baseline p99 ms | errors | RSS MB (ours / baseline) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...table,
    '',
  ].join('\n'),
);
process.stdout.write(`${readFileSync(join(outDir, 'token-endpoint.md'), 'utf8')}`);
