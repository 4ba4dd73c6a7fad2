// Typechecked in a fresh project with the packed orgauth, Koa, Express and the MCP SDK installed.
import { createServer } from 'node:http';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import Koa from 'koa';
import * as orgauthExpress from 'orgauth/express';
import { protectedResourceMetadata, requireOrgToken } from 'orgauth/koa';
import { type OrgTokenVerifier, orgAuthOf, orgTokenVerifier } from 'orgauth/mcp';

const issuer = 'https://auth.example.com';

const koa = new Koa();
koa.use(protectedResourceMetadata({ issuer, resource: 'https://api.example.com/' }));
koa.use(requireOrgToken({ issuer, audience: 'https://api.example.com/', org: (ctx) => ctx.path.split('/')[2] }));
koa.use((ctx) => {
  ctx.body = ctx.state.auth;
});

const api = express();
api.get(
  '/orgs/:orgId/things',
  orgauthExpress.requireOrgToken({ issuer, audience: 'https://api.example.com/', org: (req) => req.params?.orgId }),
  (req, res) => {
    res.json(orgauthExpress.orgAuthOf(req));
  },
);

const verifier = orgTokenVerifier({
  issuer,
  audience: (req) => `https://mcp.example.com/orgs/${req.params?.orgId}/mcp`,
  org: (req) => req.params?.orgId,
  scopes: ['mcp:tools'],
});
const mcp = express();
mcp.post('/orgs/:orgId/mcp', (req, res, next) => requireBearerAuth(verifier.forRequest(req))(req, res, next));
const server = new McpServer({ name: 'consumer', version: '1.0.0' });
server.registerTool('whoami', { description: 'caller' }, async (extra) => {
  const { orgId, orgRole } = orgAuthOf(extra.authInfo);
  return { content: [{ type: 'text', text: `${orgId} ${orgRole}` }] };
});

export const servers = [createServer(koa.callback()), createServer(api), createServer(mcp)];

/** With skipLibCheck on, a type orgauth could not resolve would quietly be `any`: these would then fail. */
type IsAny<T> = 0 extends 1 & T ? true : false;
type AuthInfoOfVerifier = Awaited<ReturnType<OrgTokenVerifier['verifyAccessToken']>>;
export const resolved: [IsAny<AuthInfoOfVerifier>, IsAny<AuthInfoOfVerifier['extra']>, IsAny<Koa.Context>] = [
  false,
  false,
  false,
];
