import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../../src/stores/local/processes.js';
import { runCli } from '../support/cli.js';
import { startTestServer, testEnv } from '../support/harness.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

const NATIVE = {
  client_name: 'Some MCP client',
  redirect_uris: ['http://127.0.0.1:33418/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  scope: 'mcp:tools',
};

async function startWith(overrides: Record<string, string>) {
  const port = String(await freePort());
  const env = testEnv({ PORT: port, ISSUER: `http://127.0.0.1:${port}`, ...overrides });
  return { env, server: await startTestServer(loadConfig(env)) };
}

function register(server: Server, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('open registration (the default)', () => {
  let open: Awaited<ReturnType<typeof startWith>>;
  beforeAll(async () => {
    open = await startWith({ REGISTRATION_RATE_LIMIT: '3' });
  });
  afterAll(() => open?.server.close());

  it('registers a public native client and keeps resource scopes apart from OpenID scopes', async () => {
    const response = await register(open.server, NATIVE);
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.client_id).toMatch(/^cli_/);
    expect(body.client_secret).toBeUndefined();
    expect(body.application_type).toBe('native');
    expect(body.resource_scopes).toBe('mcp:tools');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('refuses confidential clients and claims to an organization', async () => {
    const confidential = await register(open.server, { ...NATIVE, token_endpoint_auth_method: 'client_secret_basic' });
    expect(confidential.status).toBe(400);
    expect(await confidential.json()).toMatchObject({ error: 'invalid_client_metadata' });
    const claiming = await register(open.server, { ...NATIVE, org_id: 'org_0123456789abcdef01234567' });
    expect(claiming.status).toBe(400);
    expect(await claiming.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });

  it('limits registrations per address with 429 and Retry-After', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 5 && !limited; i++) {
      const response = await register(open.server, NATIVE);
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(201);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited?.json()).toMatchObject({ error: 'too_many_requests' });
  });
});

describe('REGISTRATION=token', () => {
  let gated: Awaited<ReturnType<typeof startWith>>;
  beforeAll(async () => {
    gated = await startWith({ REGISTRATION: 'token' });
  });
  afterAll(() => gated?.server.close());

  it('needs an initial access token from `orgauth registration token`, which also admits confidential clients', async () => {
    const without = await register(gated.server, NATIVE);
    expect(without.status).toBe(401);
    expect(await without.json()).toMatchObject({ error: 'invalid_token' });
    const wrong = await register(gated.server, NATIVE, { authorization: 'Bearer not-a-real-token' });
    expect(wrong.status).toBe(401);

    const asked = Date.now();
    const issued = await runCli(['registration', 'token', '--expires-in', '600'], gated.env);
    const answered = Date.now();
    expect(issued.stderr).toBe('');
    const { initial_access_token: token, expires_at } = issued.json<{
      initial_access_token: string;
      expires_at: string;
    }>();
    // Ten minutes from when the command ran, however long the command took to start.
    expect(Date.parse(expires_at)).toBeGreaterThanOrEqual(asked + 600_000 - 1000);
    expect(Date.parse(expires_at)).toBeLessThanOrEqual(answered + 600_000 + 1000);
    const confidential = await register(
      gated.server,
      { ...NATIVE, redirect_uris: ['https://app.example.com/cb'], token_endpoint_auth_method: 'client_secret_basic' },
      { authorization: `Bearer ${token}` },
    );
    expect(confidential.status).toBe(201);
    expect(((await confidential.json()) as { client_secret?: string }).client_secret).toBeTruthy();
  });

  it('refuses a lifetime that is not a positive number of seconds, in one line', async () => {
    const result = await runCli(['registration', 'token', '--expires-in', 'soon'], gated.env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^orgauth: the lifetime must be a whole number of seconds/);
  });
});

describe('REGISTRATION=off', () => {
  let closed: Awaited<ReturnType<typeof startWith>>;
  beforeAll(async () => {
    closed = await startWith({ REGISTRATION: 'off' });
  });
  afterAll(() => closed?.server.close());

  it('has no registration endpoint and does not advertise one', async () => {
    const response = await register(closed.server, NATIVE);
    expect(response.status).toBe(404);
    const discovery = (await (await fetch(`${closed.server.url}/.well-known/oauth-authorization-server`)).json()) as {
      registration_endpoint?: string;
    };
    expect(discovery.registration_endpoint).toBeUndefined();
  });
});
