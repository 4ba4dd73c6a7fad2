// `npm run bench` (hot paths): client credentials (JWT, opaque), introspection, refresh-token rotation,
// authorization-code exchange and the sign-in page, for Orgauth (dist/main.js on FerretDB + Redis, every
// token recorded in MongoDB) and, in the same run on the same machine, for bare oidc-provider with its
// in-memory adapter (each figure is also a ratio); then Orgauth alone: requireOrgToken in a resource
// server introspecting an opaque token or an org API key on every request, and credit debits. Then the
// database is seeded at scale (bench/seed-scale.ts) and the hot paths, and a few admin paths, run again.
// Every scenario runs at 2 and 32 connections. Codes and refresh tokens are minted beforehand and each
// is used once; their runs last about BENCH_SECONDS.
//   BENCH_SECONDS (5)     length of each measured run
//   BENCH_ROUNDS (2)      runs per scenario and target, the two servers interleaved; a row is their mean
//   BENCH_ONLY (regexp)   only the scenarios whose name matches
//   BENCH_SCALE=0         skip the seeding and the large-data runs; BENCH_SCALE_* set the counts
//   BENCH_CONNECTIONS     connection counts, comma-separated (2,32)
//   BENCH_PROFILE=1       both servers under --cpu-prof (bench/results/profiles/<server>/), client
//                         credentials JWT only (or BENCH_ONLY), then prints each one's top self-time functions
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import '../src/oidc/notices.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createOidc } from '../src/oidc/index.js';
import { openStores, type Stores } from '../src/stores/index.js';
import { repoRoot } from '../src/stores/local/index.js';
import { freePort } from '../src/stores/local/processes.js';
import { sweepExpiredAcrossOrganizations } from '../src/stores/sweep.js';
import {
  basicOf,
  type Credentials,
  clientCredentialsToken,
  encode,
  form,
  JWT_API,
  OPAQUE_API,
  type OrgauthFixture,
  openSignIns,
  orgauthFixture,
  REDIRECT_URI,
} from './fixture.js';
import { CODE_VERIFIER } from './mint.js';
import { printTopFunctions } from './profile-top.js';
import { type AdminRow, type Row, tokenEndpointMarkdown } from './report.js';
import { SCALE, type SeedTimings, seedScale } from './seed-scale.js';
import { benchServices, waitUntil } from './services.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const PROFILE = process.env.BENCH_PROFILE === '1';
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
const AT_SCALE = process.env.BENCH_SCALE !== '0' && !PROFILE;
/** Upper bound of the codes or refresh tokens one run may spend. */
const SPEND_MAX = Number(process.env.BENCH_SPEND_MAX ?? 20_000);
/** BENCH_CONNECTIONS ("2,32"): the connection counts of each scenario. */
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '2,32').split(',').map(Number);
/** Runs per scenario, connection count and target, interleaved (see runScenario). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const outDir = join(repoRoot, 'bench', 'results');
/** Node's CPU profiler for a server, its profiles in bench/results/profiles/<server>/. */
const profileArgs = (server: string) => [
  '--cpu-prof',
  '--cpu-prof-interval=250',
  `--cpu-prof-dir=${join(outDir, 'profiles', server)}`,
];
const progress = (text: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);

interface Target {
  name: 'orgauth' | 'oidc-provider';
  base: string;
  worker: Credentials;
  app: Credentials;
  child: ChildProcess;
  /** FerretDB's process (Orgauth only). */
  dbPid?: number;
  mint(kind: 'codes' | 'refresh', count: number): Promise<string[]>;
  cleanup(): Promise<void>;
  /** Orgauth only: its database and what the fixture made, and a resource server in front of it. */
  orgauth?: { stores: Stores; fixture: OrgauthFixture; resourceBase: string };
}

/** CPU time (user + system) a process has used so far, in ms (Linux, 100 clock ticks a second). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process, in MB (Linux). */
function rssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

const stopChild = async (child: ChildProcess) => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
};

async function orgauth(): Promise<Target> {
  const services = await benchServices('token');
  const { env, base } = services;
  const config = loadConfig(env);
  const stores = await openStores(config);
  // The same provider configuration and stores as the server: codes and refresh tokens minted here are its own.
  const { provider } = await createOidc(config, stores, createLogger({ logLevel: 'silent' }));
  const fixture = await orgauthFixture(provider, stores.db);
  const child = fork(join(repoRoot, 'dist', 'main.js'), [], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
    execArgv: PROFILE ? profileArgs('orgauth') : [],
  });
  await waitUntil(`${base}/readyz`);
  const resourcePort = await freePort();
  const resource = fork(join(repoRoot, 'bench', 'resource-server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      ISSUER: base,
      AUDIENCE: JWT_API,
      OPAQUE_AUDIENCE: OPAQUE_API,
      CLIENT_ID: fixture.worker.id,
      CLIENT_SECRET: fixture.worker.secret,
      PORT: String(resourcePort),
    },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  await new Promise((resolve) => resource.once('message', resolve));
  return {
    name: 'orgauth',
    base,
    worker: fixture.worker,
    app: fixture.app,
    child,
    dbPid: services.dbPid,
    mint: fixture.mint,
    orgauth: { stores, fixture, resourceBase: `http://127.0.0.1:${resourcePort}` },
    async cleanup() {
      await stopChild(resource);
      await stopChild(child);
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
    execArgv: ['--import', 'tsx', ...(PROFILE ? profileArgs('oidc-provider') : [])],
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
    cleanup: () => stopChild(child),
  };
}

const tokenFor = (t: Target, resource: string) => clientCredentialsToken(t.base, t.worker, resource);

interface Call {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}
/** The i-th request of a run. */
type Requests = (i: number) => Call;
const cycle =
  (calls: Call[]): Requests =>
  (i) =>
    calls[i % calls.length] as Call;

interface Scenario {
  name: string;
  /** Run again once the database holds a large installation. */
  hot: boolean;
  /** Bare oidc-provider cannot do it; `reference` names the Orgauth scenario its ratio is to, if any. */
  orgauthOnly?: { reference?: string };
  /** Each prepared request is used once (codes, refresh tokens): the run ends when they are spent. */
  spend?: boolean;
  /** Where the requests go; default: the server itself. */
  origin?(t: Target): string;
  prepare(t: Target, count: number): Promise<Requests>;
}

const fixtureOf = (t: Target) => {
  if (!t.orgauth) throw new Error('an Orgauth-only scenario');
  return t.orgauth;
};
const BARE_ROUTE = 'resource server, bare route';

/** A form post of the organization's client-credentials worker. */
const workerPost = (t: Target, path: string, fields: Record<string, string>) => ({
  method: 'POST' as const,
  path,
  headers: { authorization: basicOf(t.worker), ...form },
  body: encode(fields),
});

const scenarios: Scenario[] = [
  {
    name: 'client credentials, JWT',
    hot: true,
    prepare: async (t) =>
      cycle([workerPost(t, '/token', { grant_type: 'client_credentials', resource: JWT_API, scope: 'read' })]),
  },
  {
    name: 'client credentials, opaque',
    hot: true,
    prepare: async (t) =>
      cycle([workerPost(t, '/token', { grant_type: 'client_credentials', resource: OPAQUE_API, scope: 'read' })]),
  },
  {
    name: 'introspection, opaque',
    hot: true,
    prepare: async (t) => cycle([workerPost(t, '/token/introspection', { token: await tokenFor(t, OPAQUE_API) })]),
  },
  {
    name: 'refresh token rotation',
    hot: true,
    spend: true,
    prepare: async (t, count) =>
      cycle(
        (await t.mint('refresh', count)).map((refreshToken) => ({
          method: 'POST',
          path: '/token',
          headers: { authorization: basicOf(t.app), ...form },
          body: encode({ grant_type: 'refresh_token', refresh_token: refreshToken }),
        })),
      ),
  },
  {
    name: 'authorization code exchange',
    hot: false,
    spend: true,
    prepare: async (t, count) =>
      cycle(
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
      ),
  },
  {
    name: 'sign-in page',
    hot: false,
    prepare: async (t) =>
      cycle(
        (await openSignIns(t.base, t.app.id, 50)).map(({ path, cookie }) => ({
          method: 'GET',
          path,
          headers: { cookie },
        })),
      ),
  },
  {
    name: BARE_ROUTE,
    hot: false,
    orgauthOnly: {},
    origin: (t) => fixtureOf(t).resourceBase,
    prepare: async (t) => cycle([{ method: 'GET', path: `/bare/${fixtureOf(t).fixture.orgId}`, headers: {} }]),
  },
  {
    name: 'requireOrgToken, opaque, introspected per request',
    hot: true,
    orgauthOnly: { reference: BARE_ROUTE },
    origin: (t) => fixtureOf(t).resourceBase,
    prepare: async (t) =>
      cycle([
        {
          method: 'GET',
          path: `/opaque-uncached/${fixtureOf(t).fixture.orgId}`,
          headers: { authorization: `Bearer ${await tokenFor(t, OPAQUE_API)}` },
        },
      ]),
  },
  {
    name: 'requireOrgToken, API key, introspected per request',
    hot: true,
    orgauthOnly: { reference: BARE_ROUTE },
    origin: (t) => fixtureOf(t).resourceBase,
    prepare: async (t) =>
      cycle([
        {
          method: 'GET',
          path: `/opaque-uncached/${fixtureOf(t).fixture.orgId}`,
          headers: { authorization: `Bearer ${fixtureOf(t).fixture.apiKey}` },
        },
      ]),
  },
  {
    name: 'credit debit (API key), one organization',
    hot: true,
    orgauthOnly: {},
    prepare: async (t) => {
      const { orgId, apiKey } = fixtureOf(t).fixture;
      const run = randomUUID();
      return (i) => ({
        method: 'POST',
        path: `/api/v1/orgs/${orgId}/credits/debits`,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${apiKey}`,
          'idempotency-key': `${run}-${i}`,
        },
        body: JSON.stringify({ amount: 1, description: 'bench' }),
      });
    },
  },
];

/** One autocannon run; req/s from the run's own clock (autocannon ends a counted run on a whole second). */
function measure(
  origin: string,
  connections: number,
  next: Requests,
  limit: { duration: number } | { amount: number },
) {
  let i = 0;
  let last = 0;
  const first = next(0);
  const started = performance.now();
  return new Promise<Pick<Row, 'rps' | 'p50Ms' | 'p99Ms' | 'errors' | 'non2xx' | 'requests' | 'seconds'>>(
    (resolve, reject) => {
      const instance = autocannon(
        {
          url: `${origin}${first.path}`,
          connections,
          ...limit,
          requests: [
            {
              method: first.method,
              setupRequest: (request) => {
                const call = next(i++);
                return { ...request, method: call.method, path: call.path, headers: call.headers, body: call.body };
              },
            },
          ],
        },
        (error, result) => {
          if (error) return reject(error);
          const seconds = ((last || performance.now()) - started) / 1000;
          resolve({
            rps: Math.round(result.requests.total / seconds),
            p50Ms: result.latency.p50,
            p99Ms: result.latency.p99,
            errors: result.errors + result.timeouts,
            non2xx: result.non2xx,
            requests: result.requests.total,
            seconds: Math.round(seconds * 100) / 100,
          });
        },
      );
      instance.on('response', () => {
        last = performance.now();
      });
    },
  );
}

async function load(t: Target, scenario: Scenario, connections: number) {
  const origin = scenario.origin?.(t) ?? t.base;
  let requests: Requests;
  let limit: { duration: number } | { amount: number };
  if (scenario.spend) {
    // Warm up (100 requests, then about a second more, as the other scenarios have), then mint what about a
    // second of settling and a run of about DURATION seconds spend at the warm pace, in one go, and settle on the
    // first of them just before the run. Right after a mint (thousands of records written, or a heap grown by
    // them) both servers ran about half again as slow for a second or two.
    const spend = (rps: number, seconds: number) => Math.max(100, Math.min(SPEND_MAX, Math.round(rps * seconds)));
    const pace = await measure(origin, connections, await scenario.prepare(t, 100), { amount: 100 });
    const warmCount = spend(pace.rps, 2);
    const warm = await measure(origin, connections, await scenario.prepare(t, warmCount), { amount: warmCount });
    const settleCount = spend(warm.rps, 1);
    const count = spend(warm.rps, DURATION);
    const prepared = await scenario.prepare(t, settleCount + count);
    await measure(origin, connections, prepared, { amount: settleCount });
    requests = (i) => prepared(settleCount + i);
    limit = { amount: count };
  } else {
    requests = await scenario.prepare(t, 0);
    await measure(origin, connections, requests, { duration: 1 }); // warm caches and the JIT
    limit = { duration: DURATION };
  }
  const cpuBefore = { server: cpuMs(t.child.pid), db: cpuMs(t.dbPid) };
  const measured = await measure(origin, connections, requests, limit);
  const perRequest = (before: number, after: number) =>
    Number.isFinite(after - before)
      ? Math.round(((after - before) * 1000) / Math.max(1, measured.requests))
      : undefined;
  return {
    ...measured,
    rssMb: rssMb(t.child.pid),
    cpuUsPerRequest: {
      server: perRequest(cpuBefore.server, cpuMs(t.child.pid)),
      db: t.dbPid ? perRequest(cpuBefore.db, cpuMs(t.dbPid)) : undefined,
    },
  };
}

/**
 * Sequential timings of admin paths that read whole collections (and of the expired-record sweep the
 * server runs every 10 minutes): the first call, then the median of up to 5 more while the path has
 * taken less than 20 s in all (a path slower than that is called once).
 */
async function adminTimings(t: Target, data: 'small' | 'large'): Promise<AdminRow[]> {
  const { fixture, stores } = fixtureOf(t);
  const api = `${t.base}/api/v1/orgs/${fixture.orgId}`;
  const call = (method: 'GET' | 'DELETE', url: string) => async () => {
    const answer = await fetch(url, { method, headers: { authorization: `Bearer ${fixture.apiKey}` } });
    await answer.arrayBuffer();
    return answer.status;
  };
  const paths: Array<{ name: string; prepare?: () => Promise<string>; run: (prepared: string) => Promise<number> }> = [
    { name: 'list members (GET …/members?limit=50)', run: call('GET', `${api}/members?limit=50`) },
    { name: 'list connected apps (GET …/connected-apps)', run: call('GET', `${api}/connected-apps`) },
    { name: 'credits usage report (GET …/credits/usage)', run: call('GET', `${api}/credits/usage`) },
    {
      name: 'revoke a connected app (DELETE …/connected-apps/:grantId)',
      prepare: () => fixture.freshGrant(),
      run: (grantId) => call('DELETE', `${api}/connected-apps/${grantId}`)(),
    },
    {
      name: 'expired-record sweep (sweepExpiredAcrossOrganizations, in process)',
      run: async () => {
        await sweepExpiredAcrossOrganizations(stores.db);
        return 0; // no HTTP
      },
    },
  ];
  const rows: AdminRow[] = [];
  for (const path of paths) {
    const times: number[] = [];
    const statuses = new Set<number>();
    let error: string | undefined;
    const began = performance.now();
    for (let i = 0; i < 6 && !error && performance.now() - began < 20_000; i++) {
      const prepared = (await path.prepare?.()) ?? '';
      const started = performance.now();
      try {
        statuses.add(await path.run(prepared));
      } catch (failure) {
        error = ((failure as Error).message ?? String(failure)).slice(0, 300);
      }
      times.push(performance.now() - started);
    }
    // The first is a warm-up, unless the path is so slow that it is all there is.
    const timed = (times.length > 2 ? times.slice(1) : times).sort((a, b) => a - b);
    rows.push({
      data,
      path: path.name,
      firstMs: Math.round(times[0] ?? 0),
      medianMs: Math.round(timed[Math.floor(timed.length / 2)] ?? 0),
      maxMs: Math.round(timed.at(-1) ?? 0),
      statuses: [...statuses].filter(Boolean),
      ...(error ? { error } : {}),
    });
    progress(`orgauth ${data} ${path.name}: median ${rows.at(-1)?.medianMs} ms${error ? `, failed: ${error}` : ''}`);
  }
  return rows;
}

const rows: Row[] = [];
const admin: AdminRow[] = [];
let seeding: SeedTimings | undefined;
const chosen = scenarios.filter((s) =>
  ONLY ? ONLY.test(s.name) : PROFILE ? s.name === 'client credentials, JWT' : true,
);
const load0 = loadavg()[0] ?? 0;

type Measured = Awaited<ReturnType<typeof load>>;

/** Several runs of one target as one row: mean req/s, median p50, worst p99, CPU over all their requests. */
function combine(runs: Measured[]): Omit<Row, 'server' | 'data' | 'scenario' | 'connections'> {
  const sum = (pick: (m: Measured) => number) => runs.reduce((total, m) => total + pick(m), 0);
  const middle = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const half = sorted.length / 2;
    return sorted.length % 2 ? (sorted[Math.floor(half)] ?? 0) : ((sorted[half - 1] ?? 0) + (sorted[half] ?? 0)) / 2;
  };
  const requests = sum((m) => m.requests);
  const cpu = (pick: (m: Measured) => number | undefined) => {
    const spent = sum((m) => (pick(m) ?? Number.NaN) * m.requests);
    return Number.isFinite(spent) ? Math.round(spent / Math.max(1, requests)) : undefined;
  };
  return {
    rps: Math.round(sum((m) => m.rps) / runs.length),
    p50Ms: middle(runs.map((m) => m.p50Ms)),
    p99Ms: Math.max(...runs.map((m) => m.p99Ms)),
    errors: sum((m) => m.errors),
    non2xx: sum((m) => m.non2xx),
    requests,
    seconds: Math.round(sum((m) => m.seconds) * 100) / 100,
    rssMb: runs.at(-1)?.rssMb ?? 0,
    cpuUsPerRequest: { server: cpu((m) => m.cpuUsPerRequest.server), db: cpu((m) => m.cpuUsPerRequest.db) },
    runsRps: runs.map((m) => m.rps),
  };
}

/**
 * Each scenario at each connection count runs ROUNDS times per target, the targets interleaved (bare,
 * Orgauth, then Orgauth, bare, …) so that a machine whose speed drifts during the bench (shared CPUs) skews
 * neither side of a ratio.
 */
async function runScenario(targets: Target[], scenario: Scenario, data: 'small' | 'large') {
  for (const connections of CONNECTIONS) {
    const runs = new Map<Target, Measured[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of round % 2 ? [...targets].reverse() : targets) {
        const measured = await load(target, scenario, connections);
        if (!target.orgauth && measured.errors + measured.non2xx > 0) {
          // A baseline that refuses its requests is not a baseline: its req/s would make every ratio a lie.
          throw new Error(
            `bare oidc-provider answered ${measured.non2xx} non-2xx and ${measured.errors} errors in "${scenario.name}" @${connections}`,
          );
        }
        progress(
          `${target.name} ${data} ${scenario.name} @${connections}: ${measured.rps} req/s, p99 ${measured.p99Ms} ms`,
        );
        runs.get(target)?.push(measured);
      }
    }
    for (const [target, measured] of runs) {
      rows.push({ server: target.name, data, scenario: scenario.name, connections, ...combine(measured) });
    }
  }
}

const targets: Target[] = [];
try {
  targets.push(await baseline());
  const main = await orgauth();
  targets.push(main);
  for (const scenario of chosen) {
    await runScenario(
      targets.filter((t) => t.orgauth || !scenario.orgauthOnly),
      scenario,
      'small',
    );
  }
  if (!PROFILE) admin.push(...(await adminTimings(main, 'small')));
  if (AT_SCALE && main.orgauth) {
    progress(`seeding ${JSON.stringify(SCALE)}...`);
    seeding = await seedScale(main.orgauth.stores.db);
    // The seed leaves about a gigabyte of dirty pages: flush them now, or the kernel's writeback takes CPU
    // from the large runs (they measured 15-20% slower, the database-free introspection row included).
    progress('flushing the seeded data to disk...');
    execFileSync('sync');
    // Bare oidc-provider runs again beside the large runs (its own data unchanged): its pace then is the
    // machine's, so a large/small difference can be told from the machine's drift between the two phases.
    for (const scenario of chosen.filter((s) => s.hot)) {
      await runScenario(
        targets.filter((t) => t.orgauth || !scenario.orgauthOnly),
        scenario,
        'large',
      );
    }
    admin.push(...(await adminTimings(main, 'large')));
  }
} finally {
  for (const target of targets) await target.cleanup();
}

if (PROFILE) {
  for (const server of ['oidc-provider', 'orgauth']) printTopFunctions(join(outDir, 'profiles', server), 15);
  process.exit(0);
}

// Ratios: to bare oidc-provider, or, for a resource server's routes, to its bare route.
for (const row of rows.filter((r) => r.server === 'orgauth')) {
  const scenario = scenarios.find((s) => s.name === row.scenario);
  const reference = scenario?.orgauthOnly
    ? scenario.orgauthOnly.reference &&
      rows.find(
        (r) =>
          r.server === 'orgauth' &&
          r.data === 'small' &&
          r.scenario === scenario.orgauthOnly?.reference &&
          r.connections === row.connections,
      )
    : rows.find(
        (r) =>
          r.server === 'oidc-provider' &&
          r.data === row.data &&
          r.scenario === row.scenario &&
          r.connections === row.connections,
      );
  if (reference) {
    row.baseline = {
      label: scenario?.orgauthOnly ? 'bare route' : 'oidc-provider',
      rps: reference.rps,
      p99Ms: reference.p99Ms,
      rssMb: reference.rssMb,
      cpuUs: reference.cpuUsPerRequest?.server,
    };
  }
}

const report = {
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpus().length, loadAverageAtStart: load0, loadAverageAtEnd: loadavg()[0] ?? 0 },
  durationSeconds: DURATION,
  rounds: ROUNDS,
  scale: AT_SCALE ? SCALE : null,
  seeding: seeding ?? null,
  results: rows,
  admin,
};
mkdirSync(outDir, { recursive: true });
if (!ONLY) {
  writeFileSync(join(outDir, 'token-endpoint.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'token-endpoint.md'), tokenEndpointMarkdown(report));
}
process.stdout.write(tokenEndpointMarkdown(report));
process.exit(0);
