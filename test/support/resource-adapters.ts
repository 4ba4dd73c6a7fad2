import { createServer, type Server } from 'node:http';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import express from 'express';
import {
  orgAuthOf as expressOrgAuthOf,
  requireOrgToken as expressRequireOrgToken,
} from '../../src/resource/express.js';
import type { RequireOrgTokenOptions } from '../../src/resource/index.js';
import { orgAuthOf as mcpOrgAuthOf, orgTokenVerifier } from '../../src/resource/mcp.js';
import { createOrgVerifier, OrgTokenError } from '../../src/resource/verify.js';
import { startResourceApp } from './resource-app.js';

/** What every adapter of the contract suite is given: the Koa options without `org`, all static. */
export type AdapterOptions = Omit<RequireOrgTokenOptions, 'org' | 'audience' | 'resourceMetadataUrl'> & {
  audience: string | string[];
};

export interface RunningAdapter {
  call(orgId: string, authorization?: string): Promise<Response>;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<RunningAdapter> {
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    call: (orgId, authorization) =>
      fetch(`${base}/orgs/${orgId}/things`, { headers: authorization ? { authorization } : {} }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const json = (body: unknown) => JSON.stringify(body);

/** `orgauth/verify` in a bare `node:http` server: the request's parts handed to `verifyOrgRequest`. */
function startCore(options: AdapterOptions) {
  const { verifyOrgRequest } = createOrgVerifier(options);
  return listen(
    createServer(async (req, res) => {
      const orgId = /^\/orgs\/([^/]+)\/things$/.exec(req.url ?? '')?.[1];
      try {
        const auth = await verifyOrgRequest({
          authorization: req.headers.authorization,
          url: `http://${req.headers.host}${req.url}`,
          orgId,
        });
        res.setHeader('content-type', 'application/json').end(json({ auth }));
      } catch (error) {
        if (!(error instanceof OrgTokenError)) throw error;
        res.writeHead(error.status, {
          'www-authenticate': error.wwwAuthenticate,
          'cache-control': 'no-store',
          'content-type': 'application/json',
        });
        res.end(json(error.body));
      }
    }),
  );
}

function startExpress(options: AdapterOptions) {
  const app = express();
  app.get(
    '/orgs/:orgId/things',
    expressRequireOrgToken({ ...options, org: (req) => req.params?.orgId }),
    (req, res) => {
      res.json({ auth: expressOrgAuthOf(req) });
    },
  );
  return listen(createServer(app));
}

/** The MCP SDK's own `requireBearerAuth`, given `orgauth/mcp`'s verifier for each request. */
function startMcpSdk(options: AdapterOptions) {
  const orgauth = orgTokenVerifier({ ...options, org: (req) => req.params?.orgId });
  const app = express();
  app.get(
    '/orgs/:orgId/things',
    (req, res, next) => requireBearerAuth(orgauth.forRequest(req))(req, res, next),
    (req, res) => {
      res.json({ auth: mcpOrgAuthOf(req.auth) });
    },
  );
  return listen(createServer(app));
}

/** Each adapter, serving `/orgs/:orgId/things` and answering `{ auth }` for an accepted caller. */
export const adapters: Record<string, (options: AdapterOptions) => Promise<RunningAdapter>> = {
  'orgauth/verify (core)': startCore,
  'orgauth/koa': startResourceApp,
  'orgauth/express': startExpress,
  'orgauth/mcp (SDK requireBearerAuth)': startMcpSdk,
};
