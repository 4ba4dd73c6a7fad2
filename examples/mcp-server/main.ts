import { revocationFeed } from 'orgauth/koa';
import { createMcpExampleApp } from './app.js';

// ISSUER: Orgauth's URL. PORT: where this MCP server listens. PUBLIC_URL: its base URL (the resource).
// REDIS_URL (optional): Orgauth's Redis, to refuse revoked tokens within seconds.
// INTROSPECTION_CLIENT_ID / INTROSPECTION_CLIENT_SECRET (optional): a confidential client of an
// organization (`orgauth client create --org <id> --grant-types client_credentials`), so that members'
// API keys of that organization work here too.
const issuer = process.env.ISSUER ?? 'http://localhost:3000';
const port = Number(process.env.PORT ?? 4000);
const resource = process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}/`;
const revocation = process.env.REDIS_URL
  ? revocationFeed({ redisUrl: process.env.REDIS_URL, keyPrefix: process.env.REDIS_KEY_PREFIX ?? 'orgauth:' })
  : undefined;

const introspection =
  process.env.INTROSPECTION_CLIENT_ID && process.env.INTROSPECTION_CLIENT_SECRET
    ? { clientId: process.env.INTROSPECTION_CLIENT_ID, clientSecret: process.env.INTROSPECTION_CLIENT_SECRET }
    : undefined;

createMcpExampleApp({ issuer, resource, revocation, introspection }).listen(port, () => {
  process.stdout.write(
    `MCP server for ${issuer} at ${resource}orgs/<orgId>/mcp\nRegister it once: npx orgauth resource create --uri ${resource} --org-path '/orgs/{orgId}/' --scopes mcp:tools\n`,
  );
});
