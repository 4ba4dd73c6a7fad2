// Last step of `npm run bench`: merges the scenario files of bench/results/ into latest.json and a
// short latest.md table (req/s, p50, p99, errors, server RSS, the baseline's req/s and the ratio).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../src/stores/local/index.js';

const dir = join(repoRoot, 'bench', 'results');
const read = <T>(name: string): T => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;

interface TokenRow {
  server: string;
  data: 'small' | 'large';
  scenario: string;
  connections: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  rssMb: number;
}
interface MiddlewareRow {
  connections: number;
  bare?: { rps: number; p50: number; p99: number };
  jwt?: { rps: number; p50: number; p99: number };
  opaque?: { rps: number; p50: number; p99: number };
  apiKey?: { rps: number; p50: number; p99: number };
  jwtOverheadUs: number | null;
  opaqueOverheadUs: number | null;
  apiKeyOverheadUs: number | null;
}
interface CreditRun {
  debitsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
}

const token = read<{
  date: string;
  scale: Record<string, number>;
  seedingSeconds?: Record<string, number>;
  results: TokenRow[];
}>('token-endpoint.json');
const middleware = read<{ date: string; middleware: MiddlewareRow[]; jwtFirstSightVerifyUs: number }>(
  'middleware.json',
);
const credits = read<{
  date: string;
  oneHotOrganizationTwoConnections?: CreditRun;
  oneHotOrganization: CreditRun;
  hundredOrganizations: CreditRun;
}>('credits.json');

const lines: string[] = [];
const row = (cells: Array<string | number | undefined | null>) =>
  lines.push(`| ${cells.map((c) => c ?? '–').join(' | ')} |`);
const find = (server: string, data: string, scenario: string, connections: number) =>
  token.results.find(
    (r) => r.server === server && r.data === data && r.scenario === scenario && r.connections === connections,
  );

lines.push('| scenario | data | connections | req/s | p50 ms | p99 ms | errors | RSS MB | baseline req/s | ratio |');
lines.push('|---|---|---|---|---|---|---|---|---|---|');
for (const r of token.results.filter((x) => x.server === 'orgauth')) {
  const base = find('oidc-provider', 'small', r.scenario, r.connections);
  row([
    r.scenario,
    r.data,
    r.connections,
    r.rps,
    r.p50Ms,
    r.p99Ms,
    r.errors,
    r.rssMb,
    base?.rps,
    base ? (r.rps / base.rps).toFixed(2) : null,
  ]);
}
for (const m of middleware.middleware) {
  for (const [name, run, overhead] of [
    ['requireOrgToken, JWT', m.jwt, m.jwtOverheadUs],
    ['requireOrgToken, opaque (warm)', m.opaque, m.opaqueOverheadUs],
    ['requireOrgToken, API key (warm)', m.apiKey, m.apiKeyOverheadUs],
  ] as const) {
    if (!run) continue;
    row([
      `${name} (+${overhead} µs/request)`,
      'small',
      m.connections,
      run.rps,
      run.p50,
      run.p99,
      0,
      null,
      m.bare?.rps,
      m.bare ? (run.rps / m.bare.rps).toFixed(2) : null,
    ]);
  }
}
for (const [name, connections, run] of [
  ['credit debit, one organization', 2, credits.oneHotOrganizationTwoConnections],
  ['credit debit, one organization', 32, credits.oneHotOrganization],
  ['credit debit, 100 organizations', 32, credits.hundredOrganizations],
] as const) {
  if (run) row([name, 'small', connections, run.debitsPerSecond, run.p50Ms, run.p99Ms, 0, null, null, null]);
}

const date = new Date().toISOString();
writeFileSync(
  join(dir, 'latest.json'),
  `${JSON.stringify({ date, node: process.version, tokenEndpoint: token, middleware, credits }, null, 2)}\n`,
);
writeFileSync(
  join(dir, 'latest.md'),
  [
    `# Orgauth benchmarks (${date})`,
    '',
    'Loopback, autocannon; Orgauth on FerretDB 1.24 (SQLite) and Redis, every token recorded in MongoDB;',
    'baseline: bare oidc-provider with its in-memory adapter in the same run. "large" = after seeding',
    `${token.scale.organizations} organizations, ${token.scale.memberships} memberships and ${token.scale.tokens} stored tokens (seeded in ${JSON.stringify(token.seedingSeconds)} s).`,
    'Details: token-endpoint.md, middleware.md, credits.md.',
    '',
    ...lines,
    '',
  ].join('\n'),
);
process.stdout.write(`${lines.join('\n')}\n`);
