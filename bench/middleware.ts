// `npm run bench`: requireOrgToken's cost per request on a warm cache, against the same route bare.
// Starts its own FerretDB (throw-away folder), uses or starts Redis, runs Orgauth in this process
// and the resource server in a child process; autocannon loads it over loopback.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import '../src/oidc/notices.js';
import { createApiKey } from '../src/apikeys/service.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { registerOrgClient } from '../src/oidc/clients.js';
import { createOrganization } from '../src/orgs/service.js';
import { createResourceServer } from '../src/resources/service.js';
import { startServer } from '../src/server.js';
import { openStores } from '../src/stores/index.js';
import { startFerretDb } from '../src/stores/local/ferretdb.js';
import { repoRoot } from '../src/stores/local/index.js';
import { canConnect, freePort } from '../src/stores/local/processes.js';
import { startRedisServer } from '../src/stores/local/redis-server.js';
import { signUp } from '../src/users/service.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const dataDir = mkdtempSync(join(tmpdir(), 'orgauth-bench-'));
const ferret = await startFerretDb({ root: repoRoot, dataDir });
const redis = (await canConnect('127.0.0.1', 6379)) ? undefined : await startRedisServer();
const port = await freePort();
const config = loadConfig({
  NODE_ENV: 'test',
  HOST: '127.0.0.1',
  PORT: String(port),
  ISSUER: `http://127.0.0.1:${port}`,
  MONGODB_URI: `${ferret.uri}bench`,
  REDIS_URL: redis?.url ?? 'redis://127.0.0.1:6379',
  REDIS_KEY_PREFIX: `bench-${Date.now()}:`,
  SECRET_KEY: 'bench-secret-key-that-is-long-enough-000000',
  LOG_LEVEL: 'silent',
  // The benchmark measures the server, not its abuse limits.
  TOKEN_RATE_LIMIT: '1000000000',
  API_RATE_LIMIT: '1000000000',
});
const logger = createLogger(config);
const stores = await openStores(config, logger);
const server = await startServer(config, stores, logger);

const owner = await signUp(stores.db, { email: 'bench@orgauth.test', password: 'bench-password' });
const org = await createOrganization(stores.db, { name: 'Bench' }, owner._id);
const AUDIENCE = 'https://bench.orgauth.test/';
const OPAQUE_AUDIENCE = 'https://bench-opaque.orgauth.test/';
await createResourceServer(stores.db, { uri: AUDIENCE, scopes: ['read'], format: 'jwt' });
await createResourceServer(stores.db, {
  uri: OPAQUE_AUDIENCE,
  scopes: ['read'],
  format: 'opaque',
  accessTokenTtl: 3600,
});
const worker = await registerOrgClient(server.oidc.provider, stores.db, {
  orgId: org._id,
  name: 'Bench',
  grantTypes: ['client_credentials'],
});
const rp = await client.discovery(new URL(config.issuer), worker.client_id, worker.client_secret, undefined, {
  execute: [client.allowInsecureRequests],
});
const jwt = (await client.clientCredentialsGrant(rp, { resource: AUDIENCE, scope: 'read' })).access_token;
const opaque = (await client.clientCredentialsGrant(rp, { resource: OPAQUE_AUDIENCE, scope: 'read' })).access_token;

const resourcePort = await freePort();
const child = fork(join(repoRoot, 'bench', 'resource-server.ts'), [], {
  execArgv: ['--import', 'tsx'],
  env: {
    ...process.env,
    ISSUER: config.issuer,
    AUDIENCE,
    OPAQUE_AUDIENCE,
    CLIENT_ID: worker.client_id,
    CLIENT_SECRET: worker.client_secret ?? '',
    PORT: String(resourcePort),
  },
});
await new Promise((resolve) => child.once('message', resolve));

const base = `http://127.0.0.1:${resourcePort}`;
// An org API key goes through the same introspecting middleware as opaque tokens (cached the same way).
const apiKey = (await createApiKey(stores.db, { orgId: org._id, userId: owner._id }, { name: 'bench' })).key;
const targets = {
  bare: { path: `/bare/${org._id}`, token: undefined },
  jwt: { path: `/jwt/${org._id}`, token: jwt },
  opaque: { path: `/opaque/${org._id}`, token: opaque },
  apiKey: { path: `/opaque/${org._id}`, token: apiKey },
};

async function load(path: string, token: string | undefined, connections: number) {
  const result = await autocannon({
    url: `${base}${path}`,
    connections,
    duration: DURATION,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (result.non2xx) throw new Error(`${path}: ${result.non2xx} non-2xx answers`);
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    meanMs: result.latency.mean,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

const results: Record<string, Record<string, Awaited<ReturnType<typeof load>>>> = {};
for (const connections of [2, 32]) {
  for (const [name, target] of Object.entries(targets)) {
    await load(target.path, target.token, connections).catch(() => undefined); // warm caches and JIT
    results[`${name}@${connections}`] = { [name]: await load(target.path, target.token, connections) };
  }
}

// A token seen for the first time pays the signature check (jose, WebCrypto) once; measured alone.
async function firstSightMicros(rounds = 2000) {
  const keys = createRemoteJWKSet(new URL(`${config.issuer}/jwks`));
  const verify = () => jwtVerify(jwt, keys, { issuer: config.issuer, audience: AUDIENCE, typ: 'at+jwt' });
  for (let i = 0; i < 200; i++) await verify();
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await verify();
  return Math.round(Number(process.hrtime.bigint() - started) / 1000 / rounds);
}
const firstSightUs = await firstSightMicros();
/** Resident memory of the resource server (the measured process), in MB. */
const resourceServerRssMb = Math.round(
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
);

const row = (name: string, c: number) => results[`${name}@${c}`]?.[name];
const summary = [2, 32].map((c) => {
  const bare = row('bare', c);
  const jwtRow = row('jwt', c);
  const opaqueRow = row('opaque', c);
  const apiKeyRow = row('apiKey', c);
  return {
    connections: c,
    bare,
    jwt: jwtRow,
    opaque: opaqueRow,
    apiKey: apiKeyRow,
    jwtRatio: bare && jwtRow ? +(jwtRow.rps / bare.rps).toFixed(3) : null,
    opaqueRatio: bare && opaqueRow ? +(opaqueRow.rps / bare.rps).toFixed(3) : null,
    // Extra time per request (µs) from throughput: 1/rps_protected − 1/rps_bare. The resource server
    // is one process, so at 32 connections (saturated) this is the middleware's CPU time per request;
    // at 1 connection it is the added latency.
    jwtOverheadUs: bare && jwtRow ? Math.round(1e6 / jwtRow.rps - 1e6 / bare.rps) : null,
    opaqueOverheadUs: bare && opaqueRow ? Math.round(1e6 / opaqueRow.rps - 1e6 / bare.rps) : null,
    apiKeyRatio: bare && apiKeyRow ? +(apiKeyRow.rps / bare.rps).toFixed(3) : null,
    apiKeyOverheadUs: bare && apiKeyRow ? Math.round(1e6 / apiKeyRow.rps - 1e6 / bare.rps) : null,
  };
});

const outDir = join(repoRoot, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const report = {
  date: new Date().toISOString(),
  node: process.version,
  durationSeconds: DURATION,
  middleware: summary,
  resourceServerRssMb,
  jwtFirstSightVerifyUs: firstSightUs,
};
writeFileSync(join(outDir, 'middleware.json'), `${JSON.stringify(report, null, 2)}\n`);
const lines = [
  '| connections | route | req/s | p50 ms | p99 ms | ratio to bare | added µs/request |',
  '|---|---|---|---|---|---|---|',
  ...summary.flatMap((s) => [
    `| ${s.connections} | bare | ${s.bare?.rps} | ${s.bare?.p50} | ${s.bare?.p99} | 1 | 0 |`,
    `| ${s.connections} | requireOrgToken (JWT) | ${s.jwt?.rps} | ${s.jwt?.p50} | ${s.jwt?.p99} | ${s.jwtRatio} | ${s.jwtOverheadUs} |`,
    `| ${s.connections} | requireOrgToken (opaque, warm) | ${s.opaque?.rps} | ${s.opaque?.p50} | ${s.opaque?.p99} | ${s.opaqueRatio} | ${s.opaqueOverheadUs} |`,
    `| ${s.connections} | requireOrgToken (API key, warm) | ${s.apiKey?.rps} | ${s.apiKey?.p50} | ${s.apiKey?.p99} | ${s.apiKeyRatio} | ${s.apiKeyOverheadUs} |`,
  ]),
];
writeFileSync(
  join(outDir, 'middleware.md'),
  `# requireOrgToken on a warm cache (${report.date}, ${DURATION}s per run)\n\n${lines.join('\n')}\n\n` +
    `A JWT seen for the first time costs one signature check: ${firstSightUs} µs (measured alone).\n`,
);
process.stdout.write(`${lines.join('\n')}\nfirst-sight JWT verification: ${firstSightUs} µs\n`);

child.kill();
await server.close();
await ferret.stop();
await redis?.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
