// Last step of `npm run bench`: merges bench/results/{token-endpoint,middleware,credits}.json into
// latest.json and a short latest.md (req/s, p50, p99, errors, server RSS, the baseline's req/s and the
// ratio; then small-data vs large-data, admin paths at both sizes, and the seeding rate). Also
// renders token-endpoint.md for bench/token-endpoint.ts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../src/stores/local/index.js';
import type { SeedTimings } from './seed-scale.js';

export interface Row {
  server: string;
  data: 'small' | 'large';
  scenario: string;
  connections: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors and timeouts. */
  errors: number;
  non2xx: number;
  requests: number;
  seconds: number;
  /** Resident memory of the measured server at the end of the run. */
  rssMb: number;
  /** CPU time per request of the server and of FerretDB (µs; 10 ms clock ticks over the run). */
  cpuUsPerRequest?: { server?: number | undefined; db?: number | undefined };
  /** req/s of each run this row is the mean of (bench/token-endpoint.ts interleaves the servers' runs). */
  runsRps?: number[];
  /** What the ratio is to: bare oidc-provider, or the resource server's bare route. */
  baseline?: { label: string; rps: number; p99Ms: number; rssMb: number; cpuUs?: number | undefined };
}

export interface AdminRow {
  data: 'small' | 'large';
  path: string;
  /** The first (warm-up) request. */
  firstMs?: number;
  medianMs: number;
  maxMs: number;
  statuses: number[];
  /** The path failed (the timings are up to the failure). */
  error?: string;
}

export interface TokenEndpointReport {
  date: string;
  durationSeconds: number;
  /** Runs per scenario and server that each row combines (1 when absent). */
  rounds?: number;
  machine?: { cpus: number; loadAverageAtStart: number; loadAverageAtEnd: number };
  scale: { organizations: number; memberships: number; tokens: number } | null;
  seeding: SeedTimings | null;
  results: Row[];
  admin?: AdminRow[];
}

type Cell = string | number | undefined | null;
const table = (head: string[], body: Cell[][]) => [
  `| ${head.join(' | ')} |`,
  `|${head.map(() => '---').join('|')}|`,
  ...body.map((cells) => `| ${cells.map((c) => (c === undefined || c === null || c === '' ? '–' : c)).join(' | ')} |`),
];
const ratio = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : null);
const failures = (r: { errors: number; non2xx: number }) => `${r.errors} / ${r.non2xx}`;

const MAIN_HEAD = [
  'scenario',
  'connections',
  'req/s',
  'p50 ms',
  'p99 ms',
  'errors / non-2xx',
  'server RSS MB',
  'baseline req/s',
  'baseline p99 ms',
  'ratio',
  'CPU µs/request: server + FerretDB (baseline)',
];
const cpu = (r: Row | undefined) =>
  r?.cpuUsPerRequest?.server === undefined
    ? undefined
    : `${r.cpuUsPerRequest.server}${r.cpuUsPerRequest.db === undefined ? '' : ` + ${r.cpuUsPerRequest.db}`}`;

function mainRows(report: TokenEndpointReport): Cell[][] {
  return report.results
    .filter((r) => r.server === 'orgauth' && r.data === 'small')
    .map((r) => [
      r.baseline?.label === 'bare route' ? `${r.scenario} (baseline: bare route)` : r.scenario,
      r.connections,
      r.rps,
      r.p50Ms,
      r.p99Ms,
      failures(r),
      r.rssMb,
      r.baseline?.rps,
      r.baseline?.p99Ms,
      ratio(r.rps, r.baseline?.rps),
      `${cpu(r) ?? '–'}${r.baseline?.label === 'oidc-provider' && r.baseline.cpuUs !== undefined ? ` (${r.baseline.cpuUs})` : ''}`,
    ]);
}

/**
 * Each phase's ratio to bare oidc-provider run beside it, and the large/small change at the machine's pace
 * (the two ratios divided); none for rows measured against a bare route.
 */
const pacedCells = (small: Row | undefined, large: Row): [string | null, string | null] =>
  small?.baseline && large.baseline?.label === 'oidc-provider'
    ? [
        `${ratio(small.rps, small.baseline.rps)} / ${ratio(large.rps, large.baseline.rps)}`,
        ratio(large.rps / large.baseline.rps, small.rps / small.baseline.rps),
      ]
    : [null, null];

function scaleSection(report: TokenEndpointReport): string[] {
  const large = report.results.filter((r) => r.server === 'orgauth' && r.data === 'large');
  if (!large.length || !report.scale) return [];
  const s = report.scale;
  return [
    `## Small vs large data (Orgauth; large = ${s.organizations.toLocaleString('en')} organizations, ${s.memberships.toLocaleString('en')} memberships, ${s.tokens.toLocaleString('en')} stored tokens)`,
    '',
    'Bare oidc-provider runs beside both phases with the same small data: "at the machine’s pace" divides',
    'the two ratios to it, so a machine that slowed down or sped up between the phases moves neither.',
    '',
    ...table(
      [
        'scenario',
        'connections',
        'small req/s',
        'large req/s',
        'large / small',
        'ratio to bare: small / large',
        'large / small, at the machine’s pace',
        'small p99 ms',
        'large p99 ms',
        'large errors / non-2xx',
        'RSS MB small / large',
      ],
      large.map((r) => {
        const small = report.results.find(
          (x) =>
            x.server === 'orgauth' &&
            x.data === 'small' &&
            x.scenario === r.scenario &&
            x.connections === r.connections,
        );
        return [
          r.scenario,
          r.connections,
          small?.rps,
          r.rps,
          small ? ratio(r.rps, small.rps) : null,
          ...pacedCells(small, r),
          small?.p99Ms,
          r.p99Ms,
          failures(r),
          `${small?.rssMb ?? '–'} / ${r.rssMb}`,
        ];
      }),
    ),
    '',
  ];
}

function adminSection(report: TokenEndpointReport): string[] {
  if (!report.admin?.length) return [];
  const admin = report.admin;
  const paths = [...new Set(admin.map((a) => a.path))];
  const find = (path: string, data: string) => admin.find((a) => a.path === path && a.data === data);
  return [
    '## Admin paths (one request at a time; first request, then median and max of up to 5 more; API key of the organization’s owner)',
    '',
    ...table(
      ['path', 'small: first / median (max) ms', 'large: first / median (max) ms', 'HTTP status / error'],
      paths.map((path) => {
        const small = find(path, 'small');
        const large = find(path, 'large');
        return [
          path,
          small && `${small.firstMs ?? '–'} / ${small.medianMs} (${small.maxMs})`,
          large && `${large.firstMs ?? '–'} / ${large.medianMs} (${large.maxMs})`,
          [
            ...new Set([...(small?.statuses ?? []), ...(large?.statuses ?? [])]),
            ...[small, large].filter((a) => a?.error).map((a) => `${a?.data}: FAILED: ${a?.error}`),
          ].join(', '),
        ];
      }),
    ),
    '',
  ];
}

function seedingSection(report: TokenEndpointReport): string[] {
  if (!report.seeding) return [];
  const parts = Object.entries(report.seeding);
  const total = parts.reduce((t, [, p]) => ({ documents: t.documents + p.documents, seconds: t.seconds + p.seconds }), {
    documents: 0,
    seconds: 0,
  });
  return [
    '## Seeding (insertMany, 5,000 documents per call, FerretDB on SQLite)',
    '',
    ...table(
      ['part', 'documents', 'seconds', 'documents/s'],
      [
        ...parts.map(([name, p]) => [name, p.documents, p.seconds, p.perSecond]),
        ['total', total.documents, Math.round(total.seconds * 10) / 10, Math.round(total.documents / total.seconds)],
      ],
    ),
    '',
  ];
}

function roundsLine(report: TokenEndpointReport): string {
  const rounds = report.rounds ?? 1;
  return rounds > 1
    ? `Each row: ${rounds} runs per server, the two servers' runs interleaved (bare, Orgauth, Orgauth, bare…); req/s is their mean, p50 the median, p99 the worst, CPU over all their requests.`
    : '';
}

function machineLine(report: TokenEndpointReport): string {
  const m = report.machine;
  return m
    ? `Machine: ${m.cpus} CPUs, load average ${m.loadAverageAtStart.toFixed(1)} at start and ${m.loadAverageAtEnd.toFixed(1)} at end (other work shares the CPUs: compare within one run).`
    : '';
}

export function tokenEndpointMarkdown(report: TokenEndpointReport): string {
  return [
    `# Hot paths: Orgauth vs bare oidc-provider (${report.date}, ${report.durationSeconds}s per run)`,
    '',
    'Loopback, autocannon. Orgauth: dist/main.js on FerretDB 1.24 (SQLite) and Redis, every token recorded;',
    'baseline: bare oidc-provider with its in-memory adapter (store enlarged to keep a run’s tokens), same run;',
    'resource-server rows: ratio to its bare route. A baseline run that answers anything but 2xx stops the bench.',
    roundsLine(report),
    machineLine(report),
    '',
    ...table(MAIN_HEAD, mainRows(report)),
    '',
    ...scaleSection(report),
    ...adminSection(report),
    ...seedingSection(report),
  ].join('\n');
}

interface MiddlewareRun {
  rps: number;
  p50: number;
  p99: number;
  errors?: number;
  non2xx?: number;
}
interface MiddlewareReport {
  date: string;
  resourceServerRssMb?: number;
  middleware: Array<{
    connections: number;
    bare?: MiddlewareRun;
    jwt?: MiddlewareRun;
    opaque?: MiddlewareRun;
    apiKey?: MiddlewareRun;
    jwtOverheadUs: number | null;
    opaqueOverheadUs: number | null;
    apiKeyOverheadUs: number | null;
  }>;
}
interface CreditRun {
  debitsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  errors?: number;
  non2xx?: number;
  rssMb?: number;
}
interface CreditsReport {
  date: string;
  oneHotOrganizationTwoConnections?: CreditRun;
  oneHotOrganization: CreditRun;
  hundredOrganizations: CreditRun;
  ledgerChainErrors?: number;
}

function merge() {
  const dir = join(repoRoot, 'bench', 'results');
  const read = <T>(name: string): T | undefined => {
    try {
      return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
    } catch {
      return undefined;
    }
  };
  const token = read<TokenEndpointReport>('token-endpoint.json');
  const middleware = read<MiddlewareReport>('middleware.json');
  const credits = read<CreditsReport>('credits.json');

  const body: Cell[][] = token ? mainRows(token) : [];
  for (const m of middleware?.middleware ?? []) {
    for (const [name, run, overhead] of [
      ['requireOrgToken, JWT', m.jwt, m.jwtOverheadUs],
      ['requireOrgToken, opaque, cached answer', m.opaque, m.opaqueOverheadUs],
      ['requireOrgToken, API key, cached answer', m.apiKey, m.apiKeyOverheadUs],
    ] as const) {
      if (!run) continue;
      body.push([
        `${name} (+${overhead} µs/request; baseline: bare route)`,
        m.connections,
        run.rps,
        run.p50,
        run.p99,
        `${run.errors ?? 0} / ${run.non2xx ?? 0}`,
        middleware?.resourceServerRssMb,
        m.bare?.rps,
        m.bare?.p99,
        m.bare ? ratio(run.rps, m.bare.rps) : null,
        null,
      ]);
    }
  }
  for (const [name, connections, run] of [
    ['credit debit, one organization (credits bench)', 2, credits?.oneHotOrganizationTwoConnections],
    ['credit debit, one organization (credits bench)', 32, credits?.oneHotOrganization],
    ['credit debit, 100 organizations (credits bench)', 32, credits?.hundredOrganizations],
  ] as const) {
    if (run)
      body.push([
        name,
        connections,
        run.debitsPerSecond,
        run.p50Ms,
        run.p99Ms,
        `${run.errors ?? 0} / ${run.non2xx ?? 0}`,
        run.rssMb,
        null,
        null,
        null,
        null,
      ]);
  }

  const date = new Date().toISOString();
  writeFileSync(
    join(dir, 'latest.json'),
    `${JSON.stringify({ date, node: process.version, tokenEndpoint: token, middleware, credits }, null, 2)}\n`,
  );
  const markdown = [
    `# Orgauth benchmarks (${date})`,
    '',
    'Loopback, autocannon, small data unless said. Orgauth: dist/main.js on FerretDB 1.24 (SQLite) and Redis, every',
    'token recorded in MongoDB. Baseline: bare oidc-provider with its in-memory adapter (its store enlarged to keep',
    'every token of a run; before 2026-12-03 it kept 1,000 and its refresh and code rows were refusals) in the same run, or, for',
    'requireOrgToken rows, the same resource server’s bare route. Runs of',
    `${[token?.date, middleware?.date, credits?.date].filter(Boolean).join(', ')}.`,
    token ? machineLine(token) : '',
    'Details: token-endpoint.md, middleware.md, credits.md, data-layer.md, read-cache.md, outages.md, queries.md.',
    '',
    ...table(MAIN_HEAD, body),
    '',
    ...(token ? [...scaleSection(token), ...adminSection(token), ...seedingSection(token)] : []),
    '',
    // The data layer's own report (bench/data-layer.ts): admin lists, revocation and the sweep at size.
    existsSync(join(dir, 'data-layer.md')) ? readFileSync(join(dir, 'data-layer.md'), 'utf8') : '',
    // How stale another instance's read cache can be (bench/read-cache-notices.ts).
    existsSync(join(dir, 'read-cache.md')) ? readFileSync(join(dir, 'read-cache.md'), 'utf8') : '',
    // How fast requests answer while a store is away, and how soon it is ready again (bench/outages.ts).
    existsSync(join(dir, 'outages.md')) ? readFileSync(join(dir, 'outages.md'), 'utf8') : '',
  ].join('\n');
  writeFileSync(join(dir, 'latest.md'), markdown);
  process.stdout.write(markdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) merge();
