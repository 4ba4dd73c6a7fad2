import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { uniqueEmail } from '../support/factories.js';
import { testEnv } from '../support/harness.js';

const env = testEnv();

async function orgOfNewOwner() {
  const email = uniqueEmail('owner');
  await runCli(['user', 'create', '--email', email, '--password', 'hunter2hunter2'], env);
  return (await runCli(['org', 'create', '--name', 'Tools Co', '--owner', email], env)).json<{ id: string }>().id;
}

describe('orgauth client and resource commands', () => {
  it('registers a confidential client and returns its secret once', async () => {
    const org = await orgOfNewOwner();
    const result = await runCli(
      [
        'client',
        'create',
        '--org',
        org,
        '--name',
        'Dashboard',
        '--redirect-uri',
        'https://app.example.com/cb',
        '--redirect-uri',
        'https://app.example.com/cb2',
        '--grant-types',
        'authorization_code,refresh_token,client_credentials',
        '--scope',
        'openid email',
      ],
      env,
    );
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ client_id: expect.stringMatching(/^cli_/), client_secret: expect.any(String) });
  });

  it('registers a public client without a secret', async () => {
    const org = await orgOfNewOwner();
    const result = await runCli(
      ['client', 'create', '--org', org, '--name', 'CLI', '--redirect-uri', 'http://127.0.0.1/callback', '--public'],
      env,
    );
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({ client_id: expect.stringMatching(/^cli_/) });
  });

  it('refuses bad client input in one line', async () => {
    const org = await orgOfNewOwner();
    const noRedirect = await runCli(['client', 'create', '--org', org, '--name', 'X'], env);
    expect(noRedirect.code).not.toBe(0);
    expect(noRedirect.stderr.trim().split('\n')).toHaveLength(1);
    expect(noRedirect.stderr).toMatch(/signs people in \(authorization_code\) needs at least one redirect URI/);
    expect(noRedirect.stderr).not.toMatch(/must contain members/);
    const badGrant = await runCli(
      [
        'client',
        'create',
        '--org',
        org,
        '--name',
        'X',
        '--redirect-uri',
        'https://a.example/cb',
        '--grant-types',
        'password',
      ],
      env,
    );
    expect(badGrant.stderr).toMatch(/grantTypes/);
    const unknownOrg = await runCli(
      [
        'client',
        'create',
        '--org',
        'org_AAAAAAAAAAAAAAAAAAAAAA',
        '--name',
        'X',
        '--redirect-uri',
        'https://a.example/cb',
      ],
      env,
    );
    expect(unknownOrg.stderr).toMatch(/does not exist/);
  });

  it('registers a resource and refuses a duplicate or a bad format', async () => {
    const uri = `https://mcp-${Date.now()}.example.com/mcp`;
    const created = await runCli(
      ['resource', 'create', '--uri', uri, '--scopes', 'tools:read tools:call', '--format', 'opaque', '--ttl', '600'],
      env,
    );
    expect(created.code).toBe(0);
    expect(created.json()).toEqual({
      uri,
      scopes: ['tools:read', 'tools:call'],
      format: 'opaque',
      match: 'exact',
      orgPath: null,
    });
    const dup = await runCli(['resource', 'create', '--uri', uri, '--scopes', 'a'], env);
    expect(dup.stderr).toMatch(/already exists/);
    const bad = await runCli(['resource', 'create', '--uri', 'ftp://x', '--scopes', 'a', '--format', 'paseto'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('registers an MCP server base whose URLs name their organization, and refuses a bad template', async () => {
    const base = `https://mcp-${Date.now()}.example.com/`;
    const created = await runCli(
      ['resource', 'create', '--uri', base, '--org-path', '/orgs/{orgId}/', '--scopes', 'mcp:tools'],
      env,
    );
    expect(created.code).toBe(0);
    expect(created.json()).toEqual({
      uri: base,
      scopes: ['mcp:tools'],
      format: 'jwt',
      match: 'prefix',
      orgPath: '/orgs/{orgId}/',
    });
    const prefixOnly = await runCli(
      ['resource', 'create', '--uri', `${base}v2/`, '--match', 'prefix', '--scopes', 'mcp:tools'],
      env,
    );
    expect(prefixOnly.json()).toMatchObject({ match: 'prefix', orgPath: null });
    const noPlaceholder = await runCli(
      ['resource', 'create', '--uri', `${base}v3/`, '--org-path', '/orgs/', '--scopes', 'a'],
      env,
    );
    expect(noPlaceholder.code).not.toBe(0);
    expect(noPlaceholder.stderr).toMatch(/\{orgId\}/);
    const exactWithPath = await runCli(
      [
        'resource',
        'create',
        '--uri',
        `${base}v4/`,
        '--match',
        'exact',
        '--org-path',
        '/orgs/{orgId}/',
        '--scopes',
        'a',
      ],
      env,
    );
    expect(exactWithPath.code).not.toBe(0);
    expect(exactWithPath.stderr).toMatch(/prefix/);
  });
});
