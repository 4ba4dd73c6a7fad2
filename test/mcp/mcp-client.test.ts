import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/apikeys/service.js';
import { launchBrowser } from '../support/browser.js';
import { createOrg, createUser } from '../support/factories.js';
import {
  bearerCall,
  callWhoami,
  finishSignIn,
  firstTry,
  InMemoryOAuthProvider,
  startMcpExample,
} from '../support/mcp.js';
import { createClient, startOidcServer } from '../support/oauth.js';

const REDIRECT = 'http://127.0.0.1:5996/callback';

let orgauth: Awaited<ReturnType<typeof startOidcServer>>;
let mcp: Awaited<ReturnType<typeof startMcpExample>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let person: Awaited<ReturnType<typeof createUser>>;
let orgA: Awaited<ReturnType<typeof createOrg>>;
let orgB: Awaited<ReturnType<typeof createOrg>>;

beforeAll(async () => {
  orgauth = await startOidcServer();
  mcp = await startMcpExample(orgauth);
  browser = await launchBrowser();
  person = await createUser(orgauth.stores.db);
  orgA = await createOrg(orgauth.stores.db, person._id, 'Team Alpha');
  orgB = await createOrg(orgauth.stores.db, person._id, 'Team Beta');
});
afterAll(async () => {
  await browser?.cleanup();
  await mcp?.close();
  await orgauth?.close();
});

describe('an MCP client with an organization API key', () => {
  it('is served by an MCP server holding the introspection client of its organization, and told plainly by one without', async () => {
    const { key } = await createApiKey(
      orgauth.stores.db,
      { orgId: orgB._id, userId: person._id },
      { name: 'agent', scopes: ['mcp:tools'] },
    );
    const introspector = await createClient(orgauth.stores, orgauth.config, {
      orgId: orgB._id,
      name: 'Example MCP server',
      grantTypes: ['client_credentials'],
    });
    const withKeys = await startMcpExample(orgauth, {
      introspection: { clientId: introspector.client_id, clientSecret: introspector.client_secret ?? '' },
    });
    try {
      const headers = { authorization: `Bearer ${key}` };
      const client = new Client({ name: 'orgauth-key-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(withKeys.urlFor(orgB._id), { requestInit: { headers } }));
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent).toMatchObject({ orgId: orgB._id, sub: person._id });
      await client.close();

      const refused = await bearerCall(mcp.urlFor(orgB._id), key, 'ping');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('does not accept Orgauth API keys');
    } finally {
      await withKeys.close();
    }
  });
});

describe('an MCP client with the official SDK', () => {
  it('discovers, registers, signs in with an organization choice, and calls a tool in that organization', async () => {
    const oauth = new InMemoryOAuthProvider(REDIRECT);
    const transport = await firstTry(oauth, mcp.urlFor(orgB._id));
    expect(oauth.client?.client_id).toMatch(/^cli_/);
    // The protected-resource metadata names this organization's URL (RFC 9728 §3.3), so the SDK asks for it.
    expect(oauth.authorizationUrl?.searchParams.get('resource')).toBe(mcp.urlFor(orgB._id).href);

    await finishSignIn(await browser.newPage(), oauth, transport, person, 'Team Beta');
    expect(oauth.savedTokens?.refresh_token).toBeTruthy();

    expect(await callWhoami(oauth, mcp.urlFor(orgB._id))).toMatchObject({
      orgId: orgB._id,
      sub: person._id,
      scopes: expect.arrayContaining(['mcp:tools']),
    });

    const elsewhere = await bearerCall(mcp.urlFor(orgA._id), oauth.savedTokens?.access_token ?? '');
    // Another organization's URL is another resource: 401 invalid_token, so the client authorizes again there.
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(elsewhere.headers.get('www-authenticate')).toContain('resource_metadata=');
  });
});
