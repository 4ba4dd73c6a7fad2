// `npm run bench`: requireOrgToken's cost per request on a warm cache, against the same route bare,
// and the same for the other adapters (orgauth/verify in node:http, orgauth/express, orgauth/mcp with
// the MCP SDK's requireBearerAuth), each against a bare route of its own stack.
// Starts its own FerretDB (throw-away folder), uses or starts Redis, runs Orgauth in this process
// and the resource servers in child processes; autocannon loads them over loopback.
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
/** Each route is loaded this long first, unmeasured (caches, JIT). */
const WARMUP = Math.min(2, DURATION);
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
const childEnv = {
  ...process.env,
  ISSUER: config.issuer,
  AUDIENCE,
  OPAQUE_AUDIENCE,
  CLIENT_ID: worker.client_id,
  CLIENT_SECRET: worker.client_secret ?? '',
  PORT: String(resourcePort),
};
const child = fork(join(repoRoot, 'bench', 'resource-server.ts'), [], { execArgv: ['--import', 'tsx'], env: childEnv });
await new Promise((resolve) => child.once('message', resolve));
const adaptersChild = fork(join(repoRoot, 'bench', 'resource-adapters-server.ts'), [], {
  execArgv: ['--import', 'tsx'],
  env: childEnv,
});
const adapterPorts = await new Promise<{ core: number; express: number }>((resolve) =>
  adaptersChild.once('message', (message) => resolve(message as { core: number; express: number })),
);

const base = `http://127.0.0.1:${resourcePort}`;
const coreBase = `http://127.0.0.1:${adapterPorts.core}`;
const expressBase = `http://127.0.0.1:${adapterPorts.express}`;
// An org API key goes through the same introspecting middleware as opaque tokens (cached the same way).
const apiKey = (await createApiKey(stores.db, { orgId: org._id, userId: owner._id }, { name: 'bench' })).key;
const targets = {
  bare: { path: `${base}/bare/${org._id}`, token: undefined },
  jwt: { path: `${base}/jwt/${org._id}`, token: jwt },
  opaque: { path: `${base}/opaque/${org._id}`, token: opaque },
  apiKey: { path: `${base}/opaque/${org._id}`, token: apiKey },
  coreBare: { path: `${coreBase}/bare/${org._id}`, token: undefined },
  coreJwt: { path: `${coreBase}/jwt/${org._id}`, token: jwt },
  coreOpaque: { path: `${coreBase}/opaque/${org._id}`, token: opaque },
  coreApiKey: { path: `${coreBase}/opaque/${org._id}`, token: apiKey },
  expressBare: { path: `${expressBase}/bare/${org._id}`, token: undefined },
  expressJwt: { path: `${expressBase}/jwt/${org._id}`, token: jwt },
  expressOpaque: { path: `${expressBase}/opaque/${org._id}`, token: opaque },
  expressApiKey: { path: `${expressBase}/opaque/${org._id}`, token: apiKey },
  mcpJwt: { path: `${expressBase}/mcp-jwt/${org._id}`, token: jwt },
  mcpOpaque: { path: `${expressBase}/mcp-opaque/${org._id}`, token: opaque },
  mcpApiKey: { path: `${expressBase}/mcp-opaque/${org._id}`, token: apiKey },
};

async function load(url: string, token: string | undefined, connections: number, duration = DURATION) {
  const result = await autocannon({
    url,
    connections,
    duration,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (result.non2xx) throw new Error(`${url}: ${result.non2xx} non-2xx answers`);
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
    await load(target.path, target.token, connections, WARMUP).catch(() => undefined); // warm caches and JIT
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

/** The other adapters, each against the bare route of its own stack (node:http, Express). */
const adapterRows = [2, 32].flatMap((c) =>
  (
    [
      ['orgauth/verify in node:http', 'core', 'coreBare'],
      ['orgauth/express', 'express', 'expressBare'],
      ['orgauth/mcp + SDK requireBearerAuth', 'mcp', 'expressBare'],
    ] as const
  ).flatMap(([label, prefix, bareName]) => {
    const bare = row(bareName, c);
    return (['Jwt', 'Opaque', 'ApiKey'] as const).map((kind) => {
      const run = row(`${prefix}${kind}`, c);
      return {
        connections: c,
        adapter: label,
        credential: { Jwt: 'JWT', Opaque: 'opaque, warm', ApiKey: 'API key, warm' }[kind],
        bare,
        run,
        ratio: bare && run ? +(run.rps / bare.rps).toFixed(3) : null,
        overheadUs: bare && run ? Math.round(1e6 / run.rps - 1e6 / bare.rps) : null,
      };
    });
  }),
);

const outDir = join(repoRoot, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const report = {
  date: new Date().toISOString(),
  node: process.version,
  durationSeconds: DURATION,
  middleware: summary,
  adapters: adapterRows,
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
  ...[2, 32].flatMap((c) => [
    `| ${c} | bare node:http | ${row('coreBare', c)?.rps} | ${row('coreBare', c)?.p50} | ${row('coreBare', c)?.p99} | 1 | 0 |`,
    `| ${c} | bare Express | ${row('expressBare', c)?.rps} | ${row('expressBare', c)?.p50} | ${row('expressBare', c)?.p99} | 1 | 0 |`,
    ...adapterRows
      .filter((a) => a.connections === c)
      .map(
        (a) =>
          `| ${c} | ${a.adapter} (${a.credential}) | ${a.run?.rps} | ${a.run?.p50} | ${a.run?.p99} | ${a.ratio} | ${a.overheadUs} |`,
      ),
  ]),
];
writeFileSync(
  join(outDir, 'middleware.md'),
  `# requireOrgToken and the other adapters on a warm cache (${report.date}, ${DURATION}s per run)\n\n` +
    'Ratios and added µs compare each adapter with a bare route of its own stack: Koa for requireOrgToken, ' +
    'node:http for orgauth/verify, Express for orgauth/express and orgauth/mcp.\n\n' +
    `${lines.join('\n')}\n\n` +
    `A JWT seen for the first time costs one signature check: ${firstSightUs} µs (measured alone).\n`,
);
process.stdout.write(`${lines.join('\n')}\nfirst-sight JWT verification: ${firstSightUs} µs\n`);

child.kill();
adaptersChild.kill();
await server.close();
await ferret.stop();
await redis?.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
