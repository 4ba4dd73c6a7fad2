import { revocationFeed } from 'orgauth/mcp';
import { createExpressMcpExample } from './app.js';

// The same variables as examples/mcp-server: ISSUER, PORT, PUBLIC_URL, and optionally REDIS_URL
// (revocation notices) and INTROSPECTION_CLIENT_ID / INTROSPECTION_CLIENT_SECRET (members' API keys).
const issuer = process.env.ISSUER ?? 'http://localhost:3000';
const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';
const resource = process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}/`;
const revocation = process.env.REDIS_URL
  ? revocationFeed({ redisUrl: process.env.REDIS_URL, keyPrefix: process.env.REDIS_KEY_PREFIX ?? 'orgauth:' })
  : undefined;
const introspection =
  process.env.INTROSPECTION_CLIENT_ID && process.env.INTROSPECTION_CLIENT_SECRET
    ? { clientId: process.env.INTROSPECTION_CLIENT_ID, clientSecret: process.env.INTROSPECTION_CLIENT_SECRET }
    : undefined;

createExpressMcpExample({ issuer, resource, host, revocation, introspection }).listen(port, host, () => {
  process.stdout.write(`MCP server (Express) for ${issuer} at ${resource}orgs/<orgId>/mcp\n`);
});
