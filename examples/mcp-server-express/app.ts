import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Express } from 'express';
import { orgAuthOf, orgTokenVerifier, protectedResourceMetadata, type RevocationFeed } from 'orgauth/mcp';

export interface ExpressMcpExampleOptions {
  /** Orgauth's issuer URL. */
  issuer: string;
  /** This server's base URL, ending in `/`, registered at Orgauth with `--org-path '/orgs/{orgId}/'`. */
  resource: string;
  /** The interface it listens on (the SDK guards loopback servers against DNS rebinding). */
  host?: string;
  revocation?: RevocationFeed;
  /** A confidential client of an organization, to accept its members' API keys (and opaque tokens). */
  introspection?: { clientId: string; clientSecret: string };
}

const SCOPE = 'mcp:tools';

/** `https://mcp.example.com/orgs/{orgId}/mcp`: each organization's URL is a resource of its own. */
const urlOf = (base: string, orgId: string) => new URL(`orgs/${encodeURIComponent(orgId)}/mcp`, base).href;

/** The MCP server of one request; its tool reads the caller from the SDK's `authInfo`. */
function buildServer(): McpServer {
  const server = new McpServer({ name: 'orgauth-express-example', version: '1.0.0' });
  server.registerTool(
    'whoami',
    { description: 'Who is calling, in which organization, with which scopes' },
    async (extra) => {
      const caller = orgAuthOf(extra.authInfo);
      const me = { orgId: caller.orgId, sub: caller.sub, scopes: caller.scopes, orgRole: caller.orgRole ?? null };
      return { content: [{ type: 'text', text: JSON.stringify(me) }], structuredContent: me };
    },
  );
  return server;
}

/**
 * The MCP SDK's Express setup (stateless Streamable HTTP), one URL per organization at
 * `/orgs/:orgId/mcp`, protected by the SDK's `requireBearerAuth` with Orgauth's verifier.
 */
export function createExpressMcpExample(options: ExpressMcpExampleOptions): Express {
  const { issuer, resource, revocation, introspection } = options;
  const app = createMcpExpressApp({ host: options.host ?? '127.0.0.1' });
  app.use(
    protectedResourceMetadata({
      issuer,
      resource: (_req, path) => (path ? new URL(path.slice(1), resource).href : resource),
      scopes: [SCOPE],
      resourceName: 'Orgauth example MCP server (Express)',
    }),
  );

  const orgauth = orgTokenVerifier({
    issuer,
    audience: (req) => urlOf(resource, req.params?.orgId ?? ''),
    org: (req) => req.params?.orgId,
    scopes: [SCOPE],
    revocation,
    ...(introspection ? { introspection } : {}),
  });

  app.all(
    '/orgs/:orgId/mcp',
    (req, res, next) => requireBearerAuth(orgauth.forRequest(req))(req, res, next),
    async (req, res) => {
      const server = buildServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    },
  );
  return app;
}
