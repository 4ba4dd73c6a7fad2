import Router from '@koa/router';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Koa, { type Context } from 'koa';
import { type OrgAuth, protectedResourceMetadata, type RevocationFeed, requireOrgToken } from 'orgauth/koa';

export interface McpExampleOptions {
  /** Orgauth's issuer URL. */
  issuer: string;
  /**
   * This server's base URL, ending in `/`, registered at Orgauth as a base whose URLs name their
   * organization (`orgauth resource create --uri <base> --org-path '/orgs/{orgId}/'`).
   */
  resource: string;
  revocation?: RevocationFeed;
  /**
   * A confidential client of an organization, to accept that organization's API keys (and opaque
   * tokens) by introspection. Without it the server accepts JWT access tokens only.
   */
  introspection?: { clientId: string; clientSecret: string };
}

export const MCP_SCOPE = 'mcp:tools';

const METADATA_PATH = '/.well-known/oauth-protected-resource';

/** Each organization's MCP URL is a resource of its own: the `resource` clients ask for, the tokens' `aud`. */
export const mcpUrlFor = (base: string, orgId: string) => `${base}orgs/${encodeURIComponent(orgId)}/mcp`;

/**
 * RFC 9728 §3.3: the metadata names the resource it was fetched for. The path after the well-known
 * prefix is the resource's path (`…/oauth-protected-resource/orgs/x/mcp` describes `/orgs/x/mcp`);
 * the bare document describes the server's base.
 */
function resourceOfMetadata(base: string, ctx: Context): string {
  const path = ctx.path.slice(METADATA_PATH.length);
  return path ? new URL(path.replace(/^\/+/, ''), base).href : base;
}

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
 * An MCP server with one URL per organization (`/orgs/:orgId/mcp`), each its own resource. A token
 * is accepted only at the URL it was issued for, which names the organization it belongs to;
 * elsewhere it gets 401 `invalid_token`, so MCP clients authorize again for that URL.
 */
export function createMcpExampleApp({ issuer, resource, revocation, introspection }: McpExampleOptions): Koa {
  const app = new Koa();
  app.use(
    protectedResourceMetadata({
      resource: (ctx) => resourceOfMetadata(resource, ctx),
      issuer,
      scopes: [MCP_SCOPE],
      resourceName: 'Orgauth example MCP server',
    }),
  );
  const router = new Router();
  const auth = requireOrgToken({
    issuer,
    audience: (ctx) => mcpUrlFor(resource, ctx.params.orgId ?? ''),
    org: (ctx) => ctx.params.orgId,
    scopes: [MCP_SCOPE],
    revocation,
    ...(introspection ? { introspection } : {}),
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
