import Router from '@koa/router';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Koa from 'koa';
import { type OrgAuth, protectedResourceMetadata, type RevocationFeed, requireOrgToken } from 'orgauth/koa';

export interface McpExampleOptions {
  /** Orgauth's issuer URL. */
  issuer: string;
  /** This server's base URL, registered at Orgauth as a resource (`orgauth resource create --uri`). */
  resource: string;
  revocation?: RevocationFeed;
}

export const MCP_SCOPE = 'mcp:tools';

/** One MCP server per request (stateless Streamable HTTP), knowing who calls and for which organization. */
function mcpServerFor(auth: OrgAuth): McpServer {
  const server = new McpServer({ name: 'orgauth-example', version: '1.0.0' });
  server.registerTool(
    'whoami',
    { description: 'Who is calling, in which organization, with which scopes' },
    async () => {
      const me = { orgId: auth.orgId, sub: auth.sub, scopes: auth.scopes, orgRole: auth.orgRole ?? null };
      return { content: [{ type: 'text', text: JSON.stringify(me) }], structuredContent: me };
    },
  );
  return server;
}

/**
 * An MCP server with one URL per organization (`/orgs/:orgId/mcp`). A token is accepted only at
 * the URL of the organization it was issued for.
 */
export function createMcpExampleApp({ issuer, resource, revocation }: McpExampleOptions): Koa {
  const app = new Koa();
  app.use(
    protectedResourceMetadata({ resource, issuer, scopes: [MCP_SCOPE], resourceName: 'Orgauth example MCP server' }),
  );
  const router = new Router();
  const auth = requireOrgToken({
    issuer,
    audience: resource,
    org: (ctx) => ctx.params.orgId,
    scopes: [MCP_SCOPE],
    revocation,
  });
  router.all('/orgs/:orgId/mcp', auth, async (ctx) => {
    const server = mcpServerFor(ctx.state.auth as OrgAuth);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    ctx.respond = false;
    ctx.res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(ctx.req, ctx.res);
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
