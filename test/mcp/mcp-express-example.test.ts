import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExpressMcpExample } from '../../examples/mcp-server-express/app.js';
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

// examples/mcp-server-express: the MCP SDK's own Express setup, protected by its requireBearerAuth
// with orgauth/mcp's verifier, driven by the SDK client as examples/mcp-server is.
const REDIRECT = 'http://127.0.0.1:5997/callback';

let orgauth: Awaited<ReturnType<typeof startOidcServer>>;
let mcp: Awaited<ReturnType<typeof startMcpExample>>;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let person: Awaited<ReturnType<typeof createUser>>;
let orgA: Awaited<ReturnType<typeof createOrg>>;
let orgB: Awaited<ReturnType<typeof createOrg>>;

beforeAll(async () => {
  orgauth = await startOidcServer();
  person = await createUser(orgauth.stores.db);
  orgA = await createOrg(orgauth.stores.db, person._id, 'Express Alpha');
  orgB = await createOrg(orgauth.stores.db, person._id, 'Express Beta');
  const introspector = await createClient(orgauth.stores, orgauth.config, {
    orgId: orgB._id,
    name: 'Express MCP server',
    grantTypes: ['client_credentials'],
  });
  mcp = await startMcpExample(orgauth, {
    app: createExpressMcpExample,
    introspection: { clientId: introspector.client_id, clientSecret: introspector.client_secret ?? '' },
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.cleanup();
  await mcp?.close();
  await orgauth?.close();
});

describe('the Express MCP example with the official SDK client', () => {
  it('discovers, registers, signs in with an organization choice, and calls whoami in that organization', async () => {
    const oauth = new InMemoryOAuthProvider(REDIRECT);
    const transport = await firstTry(oauth, mcp.urlFor(orgB._id));
    expect(oauth.authorizationUrl?.searchParams.get('resource')).toBe(mcp.urlFor(orgB._id).href);

    await finishSignIn(await browser.newPage(), oauth, transport, person, 'Express Beta');
    expect(await callWhoami(oauth, mcp.urlFor(orgB._id))).toEqual({
      orgId: orgB._id,
      sub: person._id,
      scopes: expect.arrayContaining(['mcp:tools']),
      orgRole: 'owner',
    });

    // Another organization's URL is another resource: 401 invalid_token naming that URL's metadata.
    const elsewhere = await bearerCall(mcp.urlFor(orgA._id), oauth.savedTokens?.access_token ?? '');
    expect(elsewhere.status).toBe(401);
    const challenge = elsewhere.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(
      `resource_metadata="${mcp.resource}.well-known/oauth-protected-resource/orgs/${orgA._id}/mcp"`,
    );
  });

  it('serves a member’s org API key, in its organization only', async () => {
    const { key } = await createApiKey(
      orgauth.stores.db,
      { orgId: orgB._id, userId: person._id },
      { name: 'agent', scopes: ['mcp:tools'] },
    );
    const client = new Client({ name: 'orgauth-express-key', version: '1.0.0' });
    const headers = { authorization: `Bearer ${key}` };
    await client.connect(new StreamableHTTPClientTransport(mcp.urlFor(orgB._id), { requestInit: { headers } }));
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    expect(result.structuredContent).toMatchObject({ orgId: orgB._id, sub: person._id, orgRole: 'owner' });
    await client.close();
    expect((await bearerCall(mcp.urlFor(orgA._id), key)).status).toBe(401);
  });

  it('describes each organization’s URL in its own RFC 9728 metadata', async () => {
    const response = await fetch(new URL(`.well-known/oauth-protected-resource/orgs/${orgA._id}/mcp`, mcp.resource));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      resource: mcp.urlFor(orgA._id).href,
      authorization_servers: [orgauth.issuer],
      scopes_supported: ['mcp:tools'],
    });
  });
});
