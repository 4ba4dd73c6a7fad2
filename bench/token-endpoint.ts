// `npm run bench` (token endpoint part): client credentials (JWT and opaque), introspection, refresh
// token rotation, authorization-code exchange and the sign-in page, for Orgauth (dist/main.js on
// FerretDB + Redis, every token recorded in MongoDB) and, in the same run on the same machine, for
// bare oidc-provider with its in-memory adapter; each figure is also a ratio. Then the database is
// seeded at scale (bench/seed-scale.ts) and Orgauth's hot paths run again. BENCH_PROFILE=1 runs
// Orgauth under --cpu-prof (bench/results/profiles/) for the client-credentials JWT scenario only.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import '../src/oidc/notices.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { registerOrgClient } from '../src/oidc/clients.js';
import { createOidc } from '../src/oidc/index.js';
import { issueOrgBoundGrant } from '../src/oidc/interactions/org-choice.js';
import { createOrganization } from '../src/orgs/service.js';
import { createResourceServer } from '../src/resources/service.js';
import { openStores, type Stores } from '../src/stores/index.js';
import { repoRoot } from '../src/stores/local/index.js';
import { freePort } from '../src/stores/local/processes.js';
import { signUp } from '../src/users/service.js';
import { CODE_VERIFIER, mintCodes, mintRefreshTokens } from './mint.js';
import { SCALE, seedScale } from './seed-scale.js';
import { benchServices, waitUntil } from './services.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const PROFILE = process.env.BENCH_PROFILE === '1';
/** How many single-use codes or refresh tokens each measured run spends. */
const SPEND = Number(process.env.BENCH_SPEND ?? 1500);
const JWT_API = 'https://bench-jwt.orgauth.test/';
const OPAQUE_API = 'https://bench-opaque.orgauth.test/';
const REDIRECT_URI = 'http://127.0.0.1:5989/cb';
const outDir = join(repoRoot, 'bench', 'results');

interface Target {
  name: string;
  base: string;
  worker: { id: string; secret: string };
  app: { id: string; secret: string };
  child: ChildProcess;
  mint(kind: 'codes' | 'refresh', count: number): Promise<string[]>;
  cleanup(): Promise<void>;
  stores?: Stores;
}

/** Resident memory of a process, in MB (Linux). */
function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function orgauth(): Promise<Target> {
  const services = await benchServices('token');
  const { env, base } = services;
  const config = loadConfig(env);
  const stores = await openStores(config);
  const { provider } = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
  const owner = await signUp(stores.db, { email: 'bench-token@orgauth.test', password: 'bench-password' });
  const org = await createOrganization(stores.db, { name: 'Bench' }, owner._id);
  await createResourceServer(stores.db, { uri: JWT_API, scopes: ['read'], format: 'jwt', orgId: org._id });
  await createResourceServer(stores.db, { uri: OPAQUE_API, scopes: ['read'], format: 'opaque', orgId: org._id });
  const worker = await registerOrgClient(provider, stores.db, {
    orgId: org._id,
    name: 'Bench worker',
    grantTypes: ['client_credentials'],
    scope: 'read',
  });
  const app = await registerOrgClient(provider, stores.db, { name: 'Bench app', redirectUris: [REDIRECT_URI] });
  const grantId = await issueOrgBoundGrant(provider, stores.db, {
    userId: owner._id,
    clientId: app.client_id,
    orgId: org._id,
    details: { missingOIDCScope: ['openid', 'offline_access'], missingResourceScopes: { [JWT_API]: ['read'] } },
  });
  const execArgv = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(outDir, 'profiles')}`] : [];
  const child = fork(join(repoRoot, 'dist', 'main.js'), [], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
    execArgv,
  });
  await waitUntil(`${base}/readyz`);
  const mintInput = {
    accountId: owner._id,
    clientId: app.client_id,
    grantId,
    redirectUri: REDIRECT_URI,
    resource: JWT_API,
  };
  return {
    name: 'orgauth',
    base,
    worker: { id: worker.client_id, secret: worker.client_secret ?? '' },
    app: { id: app.client_id, secret: app.client_secret ?? '' },
    child,
    stores,
    mint: (kind, count) =>
      kind === 'codes'
        ? mintCodes(provider, { ...mintInput, count })
        : mintRefreshTokens(provider, { ...mintInput, count }),
    async cleanup() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await stores.close();
      await services.stop();
    },
  };
}

async function baseline(): Promise<Target> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const credentials = {
    CLIENT_ID: 'bench-worker',
    CLIENT_SECRET: 'bench-worker-secret-0123456789abcdef',
    APP_ID: 'bench-app',
    APP_SECRET: 'bench-app-secret-0123456789abcdef',
  };
  const child = fork(join(repoRoot, 'bench', 'baseline-provider.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PORT: String(port), ISSUER: base, JWT_API, OPAQUE_API, REDIRECT_URI, ...credentials },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));
  return {
    name: 'oidc-provider',
    base,
    worker: { id: credentials.CLIENT_ID, secret: credentials.CLIENT_SECRET },
    app: { id: credentials.APP_ID, secret: credentials.APP_SECRET },
    child,
    mint: (kind, count) =>
      new Promise((resolve) => {
        child.once('message', (message: { minted: string[] }) => resolve(message.minted));
        child.send({ mint: kind, count });
      }),
    async cleanup() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const basicOf = (client: { id: string; secret: string }) =>
  `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const encode = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function tokenFor(t: Target, resource: string): Promise<string> {
  const answer = await fetch(`${t.base}/token`, {
    method: 'POST',
    headers: { authorization: basicOf(t.worker), ...form },
    body: encode({ grant_type: 'client_credentials', resource, scope: 'read' }),
  });
  const body = (await answer.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`${t.name}: no token (${JSON.stringify(body)})`);
  return body.access_token;
}

/** Opens `count` sign-ins (GET /auth) and returns each sign-in page's path with its interaction cookie. */
async function signInPages(t: Target, count: number) {
  const pages: Array<{ path: string; cookie: string }> = [];
  for (let i = 0; i < count; i++) {
    const query = encode({
      client_id: t.app.id,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      code_challenge: 'c'.repeat(43),
      code_challenge_method: 'S256',
      state: `s${i}`,
    });
    const started = await fetch(`${t.base}/auth?${query}`, { redirect: 'manual' });
    const location = started.headers.get('location') ?? '';
    const cookie = started.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    pages.push({ path: new URL(location, t.base).pathname, cookie });
  }
  return pages;
}

interface Call {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Scenario {
  name: string;
  /** Hot path: run again once the database holds a large installation. */
  hot: boolean;
  /** Requests to cycle through; `spend` ones are used once each (codes, refresh tokens). */
  requests(t: Target, count: number): Promise<Call[]>;
  spend?: boolean;
}

const scenarios: Scenario[] = [
  {
    name: 'client credentials, JWT',
    hot: true,
    requests: async (t) => [
      {
        method: 'POST',
        path: '/token',
        headers: { authorization: basicOf(t.worker), ...form },
        body: encode({ grant_type: 'client_credentials', resource: JWT_API, scope: 'read' }),
      },
    ],
  },
  {
    name: 'client credentials, opaque',
    hot: true,
    requests: async (t) => [
      {
        method: 'POST',
        path: '/token',
        headers: { authorization: basicOf(t.worker), ...form },
        body: encode({ grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'read' }),
      },
    ],
  },
  {
    name: 'introspection, opaque',
    hot: true,
    requests: async (t) => [
      {
        method: 'POST',
        path: '/token/introspection',
        headers: { authorization: basicOf(t.worker), ...form },
        body: encode({ token: await tokenFor(t, OPAQUE_API) }),
      },
    ],
  },
  {
    name: 'refresh token rotation',
    hot: true,
    spend: true,
    requests: async (t, count) =>
      (await t.mint('refresh', count)).map((refreshToken) => ({
        method: 'POST',
        path: '/token',
        headers: { authorization: basicOf(t.app), ...form },
        body: encode({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      })),
  },
  {
    name: 'authorization code exchange',
    hot: false,
    spend: true,
    requests: async (t, count) =>
      (await t.mint('codes', count)).map((code) => ({
        method: 'POST',
        path: '/token',
        headers: { authorization: basicOf(t.app), ...form },
        body: encode({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          code_verifier: CODE_VERIFIER,
          resource: JWT_API,
        }),
      })),
  },
  {
    name: 'sign-in page',
    hot: false,
    requests: async (t) =>
      (await signInPages(t, 50)).map(({ path, cookie }) => ({ method: 'GET', path, headers: { cookie } })),
  },
];

async function load(t: Target, scenario: Scenario, connections: number) {
  const run = async (requests: Call[], limit: { duration: number } | { amount: number }) => {
    let next = 0;
    const first = requests[0] as Call;
    const result = await autocannon({
      url: `${t.base}${first.path}`,
      connections,
      ...limit,
      requests: [
        {
          method: first.method,
          setupRequest: (request) => {
            const chosen = requests[next++ % requests.length] as Call;
            return { ...request, method: chosen.method, path: chosen.path, headers: chosen.headers, body: chosen.body };
          },
        },
      ],
    });
    return result;
  };
  // Warm caches and the JIT, then measure.
  await run(await scenario.requests(t, 100), scenario.spend ? { amount: 100 } : { duration: 1 });
  const requests = await scenario.requests(t, SPEND);
  const result = await run(requests, scenario.spend ? { amount: requests.length } : { duration: DURATION });
  return {
    // Completed requests over the run's wall time (a run that spends N codes ends when they are spent).
    rps: Math.round(result.requests.total / result.duration),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    requests: result.requests.total,
    rssMb: rssMb(t.child.pid),
  };
}

type Row = { server: string; data: 'small' | 'large'; scenario: string; connections: number } & Awaited<
  ReturnType<typeof load>
>;
const rows: Row[] = [];
let seeding: Record<string, number> | undefined;
const chosen = PROFILE ? scenarios.slice(0, 1) : scenarios;
for (const start of PROFILE ? [orgauth] : [baseline, orgauth]) {
  const target = await start();
  try {
    for (const scenario of chosen) {
      for (const connections of [2, 32]) {
        rows.push({
          server: target.name,
          data: 'small',
          scenario: scenario.name,
          connections,
          ...(await load(target, scenario, connections)),
        });
      }
    }
    if (target.stores && !PROFILE) {
      process.stdout.write(`seeding ${JSON.stringify(SCALE)}...\n`);
      seeding = await seedScale(target.stores.db);
      process.stdout.write(`seeded in ${JSON.stringify(seeding)} s\n`);
      for (const scenario of scenarios.filter((s) => s.hot)) {
        for (const connections of [2, 32]) {
          rows.push({
            server: target.name,
            data: 'large',
            scenario: scenario.name,
            connections,
            ...(await load(target, scenario, connections)),
          });
        }
      }
    }
  } finally {
    await target.cleanup();
  }
}

if (PROFILE) {
  process.stdout.write(
    `profile written to ${join(outDir, 'profiles')}; summarize with: node --import tsx bench/profile-top.ts\n`,
  );
  process.exit(0);
}

const find = (server: string, data: string, scenario: string, connections: number) =>
  rows.find((r) => r.server === server && r.data === data && r.scenario === scenario && r.connections === connections);
const table = rows
  .filter((r) => r.server === 'orgauth' && r.data === 'small')
  .map((r) => {
    const base = find('oidc-provider', 'small', r.scenario, r.connections);
    const large = find('orgauth', 'large', r.scenario, r.connections);
    const ratio = base ? (r.rps / base.rps).toFixed(2) : '–';
    const scale = large ? `${large.rps} (${(large.rps / r.rps).toFixed(2)}) p99 ${large.p99Ms}` : '–';
    return `| ${r.scenario} | ${r.connections} | ${r.rps} | ${base?.rps ?? '–'} | ${ratio} | ${r.p50Ms} | ${r.p99Ms} | ${base?.p99Ms ?? '–'} | ${r.errors} | ${r.rssMb} / ${base?.rssMb ?? '–'} | ${scale} |`;
  });
const date = new Date().toISOString();
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'token-endpoint.json'),
  `${JSON.stringify({ date, node: process.version, durationSeconds: DURATION, spend: SPEND, scale: SCALE, seedingSeconds: seeding, results: rows }, null, 2)}\n`,
);
writeFileSync(
  join(outDir, 'token-endpoint.md'),
  [
    `# Token endpoint: Orgauth vs bare oidc-provider (${date}, ${DURATION}s per run, ${SPEND} codes/refresh tokens per run)`,
    '',
    '| scenario | connections | Orgauth req/s | oidc-provider req/s | ratio | p50 ms | p99 ms | baseline p99 ms | errors | RSS MB (ours / baseline) | at scale: req/s (ratio to small) p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...table,
    '',
    `At scale: ${SCALE.organizations} organizations, ${SCALE.memberships} memberships, ${SCALE.tokens} stored tokens (seeded in ${JSON.stringify(seeding)} s).`,
    '',
  ].join('\n'),
);
process.stdout.write(`${readFileSync(join(outDir, 'token-endpoint.md'), 'utf8')}`);
process.exit(0);
