import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer } from '../../src/resources/service.js';
import { repoRoot } from '../../src/stores/local/index.js';
import { createOrg, createUser } from '../support/factories.js';
import { createClient, relyingParty, startOidcServer } from '../support/oauth.js';

// `npm pack ./packages/orgauth`, installed into a fresh project outside the repository from the
// local npm cache: each entry imports and typechecks with only its own dependencies.
const run = promisify(execFile);
const API = 'https://packed.orgauth.test/';
const consumerFiles = join(repoRoot, 'test', 'resource', 'packed-consumer');
const heavy = ['mongoose', 'oidc-provider', 'koa', 'ioredis', '@modelcontextprotocol/sdk', 'express', 'pino'];

let orgauth: Awaited<ReturnType<typeof startOidcServer>>;
let work: string;
let project: string;
let tarball: string;
let env: Record<string, string>;

const npm = (args: string[]) =>
  run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    timeout: 240_000,
  });
const node = async (file: string) =>
  JSON.parse((await run(process.execPath, [file], { cwd: project, env: { ...process.env, ...env } })).stdout);
/** The repository's TypeScript, checking a file of the consumer against what the consumer installed. */
async function typecheck(file: string, skipLibCheck: boolean) {
  copyFileSync(join(consumerFiles, file), join(project, file));
  const tsconfig = {
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      noEmit: true,
      skipLibCheck,
      types: ['node'],
    },
    files: [file],
  };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((error) => {
    throw new Error(`${file} does not typecheck:\n${error.stdout}${error.stderr}`);
  });
}
/** The version of a package this repository has, so the consumer installs it from the npm cache. */
const pinned = (name: string) =>
  `${name}@${JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')).version}`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'orgauth-packed-'));
  project = join(work, 'consumer');
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], {
    cwd: join(repoRoot, 'packages', 'orgauth'),
    timeout: 240_000,
  });
  tarball = join(work, JSON.parse(packed.stdout)[0].filename);
  await run('mkdir', [project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));

  orgauth = await startOidcServer();
  const { db } = orgauth.stores;
  const org = await createOrg(db, (await createUser(db))._id, 'Packed Co');
  await createResourceServer(db, { uri: API, scopes: ['things:read'], format: 'jwt' });
  const worker = await createClient(orgauth.stores, orgauth.config, {
    orgId: org._id,
    name: 'Packed worker',
    grantTypes: ['client_credentials'],
  });
  const rp = await relyingParty(orgauth.issuer, worker.client_id, worker.client_secret);
  const { access_token } = await client.clientCredentialsGrant(rp, { resource: API, scope: 'things:read' });
  env = {
    ISSUER: orgauth.issuer,
    AUDIENCE: API,
    TOKEN: access_token,
    ORG_ID: org._id,
    REDIS_URL: orgauth.config.redisUrl,
    REDIS_KEY_PREFIX: orgauth.config.redisKeyPrefix,
  };
}, 300_000);
afterAll(async () => {
  await orgauth?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed orgauth package in a fresh project', () => {
  it('has the same version as the repository, so the library and the server are released together', () => {
    const version = (path: string) => JSON.parse(readFileSync(join(repoRoot, path), 'utf8')).version;
    expect(version('packages/orgauth/package.json')).toBe(version('package.json'));
  });

  it('installs with jose only; orgauth/verify, /koa and /express import, typecheck and verify a real token', async () => {
    await npm(['install', tarball, pinned('@types/node')]);
    for (const name of heavy) expect(existsSync(join(project, 'node_modules', name)), name).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'jose'))).toBe(true);

    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', "for (const e of ['verify', 'koa', 'express']) await import('orgauth/' + e);"],
      { cwd: project },
    );
    expect(stdout).toBe('');
    // Every declaration file checked too: the entries' types need nothing but @types/node.
    await typecheck('verify-only.ts', false);

    copyFileSync(join(consumerFiles, 'verify-check.mjs'), join(project, 'verify-check.mjs'));
    const checked = await node('verify-check.mjs');
    expect(checked.auth).toMatchObject({ orgId: env.ORG_ID, kind: 'jwt', scopes: ['things:read'] });
    // ioredis is loaded only when the revocation feed is used, and its absence is said plainly.
    expect(checked.feedError).toContain('npm install ioredis');
  }, 300_000);

  it('serves a Koa API with orgauth/koa and its revocation feed, and typechecks Koa, Express and MCP SDK servers', async () => {
    const extras = ['koa', '@types/koa', 'express', '@types/express', '@modelcontextprotocol/sdk', 'ioredis'];
    await npm(['install', ...extras.map(pinned)]);
    await run(process.execPath, ['--input-type=module', '-e', "await import('orgauth/mcp');"], { cwd: project });

    copyFileSync(join(consumerFiles, 'koa-check.mjs'), join(project, 'koa-check.mjs'));
    const koa = await node('koa-check.mjs');
    expect(koa).toEqual({ own: 200, auth: expect.objectContaining({ orgId: env.ORG_ID }), other: 401, warnings: [] });
    // As most projects do: @types/koa's own declarations disagree with the content-disposition types
    // a fresh install resolves today. every-stack.ts asserts orgauth's types resolved (none is any).
    await typecheck('every-stack.ts', true);
  }, 300_000);
});
