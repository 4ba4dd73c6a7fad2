import type { Server } from 'node:http';
import { type OAuthClientProvider, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { createMcpExampleApp, MCP_SCOPE, type McpExampleOptions, mcpUrlFor } from '../../examples/mcp-server/app.js';
import { revocationFeed } from '../../src/resource/index.js';
import { createResourceServer } from '../../src/resources/service.js';
import { freePort } from '../../src/stores/local/processes.js';
import { TEST_PASSWORD } from './factories.js';
import { authorizeInBrowser, type startOidcServer } from './oauth.js';

/** An example MCP server's app: Koa's (examples/mcp-server) or the MCP SDK's Express one. */
export type McpExampleApp = (options: McpExampleOptions) => { listen(port: number, host: string): Server };

/**
 * An example MCP server, registered at Orgauth as a base whose URLs name their organization
 * (`/orgs/{orgId}/`), listening on loopback.
 */
export async function startMcpExample(
  orgauth: Awaited<ReturnType<typeof startOidcServer>>,
  options: { introspection?: { clientId: string; clientSecret: string }; app?: McpExampleApp } = {},
) {
  const { app: createApp = createMcpExampleApp, ...appOptions } = options;
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/`;
  await createResourceServer(orgauth.stores.db, {
    uri: resource,
    orgPath: '/orgs/{orgId}/',
    scopes: [MCP_SCOPE],
    format: 'jwt',
  });
  const revocation = revocationFeed({
    redisUrl: orgauth.config.redisUrl,
    keyPrefix: orgauth.config.redisKeyPrefix,
    logger: { warn: () => {}, info: () => {} },
  });
  await revocation.ready();
  const server: Server = createApp({ issuer: orgauth.issuer, resource, revocation, ...appOptions }).listen(
    port,
    '127.0.0.1',
  );
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    resource,
    urlFor: (orgId: string) => new URL(mcpUrlFor(resource, orgId)),
    close: async () => {
      await revocation.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A bare JSON-RPC request to an MCP URL with a bearer credential, as any client holding it could send. */
export const bearerCall = (url: URL, token: string, method = 'tools/list') =>
  fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method }),
  });

/** Points the SDK client at an MCP URL until it asks the person to authorize; returns its transport. */
export async function firstTry(oauth: InMemoryOAuthProvider, url: URL) {
  const transport = new StreamableHTTPClientTransport(url, { authProvider: oauth });
  await expect(new Client({ name: 'orgauth-test', version: '1.0.0' }).connect(transport)).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  return transport;
}

/** The person signs in at the client's authorization URL (choosing the organization when offered several); the client then holds tokens. */
export async function finishSignIn(
  page: Page,
  oauth: InMemoryOAuthProvider,
  transport: StreamableHTTPClientTransport,
  person: { email: string },
  organizationName?: string,
) {
  const callback = await authorizeInBrowser(page, oauth.authorizationUrl as URL, oauth.redirect, {
    email: person.email,
    password: TEST_PASSWORD,
    organizationName,
  });
  await transport.finishAuth(callback.searchParams.get('code') ?? '');
}

/** Calls the example's whoami tool through the SDK client with its OAuth state; returns the tool's structured answer. */
export async function callWhoami(oauth: InMemoryOAuthProvider, url: URL) {
  const client = new Client({ name: 'orgauth-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: oauth }));
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  await client.close();
  return result.structuredContent as Record<string, unknown>;
}

/** An MCP client's OAuth state kept in memory, as a desktop client would keep it on disk. */
export class InMemoryOAuthProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  savedTokens?: OAuthTokens;
  verifier = '';
  authorizationUrl?: URL;

  constructor(readonly redirect: string) {}

  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP test client',
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.savedTokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.savedTokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}
