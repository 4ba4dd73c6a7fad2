// Child process of bench/middleware.ts: the same trivial routes as bench/resource-server.ts behind the
// other adapters: orgauth/verify in a bare node:http server, orgauth/express, and the MCP SDK's
// requireBearerAuth with orgauth/mcp's verifier, each next to its own bare route.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import express from 'express';
import { requireOrgToken } from '../src/resource/express.js';
import { orgTokenVerifier } from '../src/resource/mcp.js';
import { createOrgVerifier, OrgTokenError } from '../src/resource/verify.js';

const { ISSUER = '', AUDIENCE = '', OPAQUE_AUDIENCE = '', CLIENT_ID = '', CLIENT_SECRET = '' } = process.env;
const introspection = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, maxCacheSeconds: 600 };
const settings = {
  jwt: { issuer: ISSUER, audience: AUDIENCE },
  opaque: { issuer: ISSUER, audience: OPAQUE_AUDIENCE, introspection },
};
const ok = JSON.stringify({ ok: true });

/** orgauth/verify: `/{bare|jwt|opaque}/{orgId}` in node:http, answering as every adapter does. */
function coreServer() {
  const verifiers = {
    jwt: createOrgVerifier(settings.jwt).verifyOrgRequest,
    opaque: createOrgVerifier(settings.opaque).verifyOrgRequest,
  };
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const [, route, orgId] = (req.url ?? '').split('/');
    const verify = route === 'jwt' || route === 'opaque' ? verifiers[route] : undefined;
    try {
      await verify?.({ authorization: req.headers.authorization, url: `http://${req.headers.host}${req.url}`, orgId });
      res.writeHead(200, { 'content-type': 'application/json' }).end(ok);
    } catch (error) {
      if (!(error instanceof OrgTokenError)) throw error;
      res.writeHead(error.status, { 'www-authenticate': error.wwwAuthenticate, 'cache-control': 'no-store' });
      res.end(JSON.stringify(error.body));
    }
  });
}

/** orgauth/express and orgauth/mcp (through the SDK's requireBearerAuth) in one Express app. */
function expressServer() {
  const app = express();
  const org = (req: { params?: Record<string, string | undefined> }) => req.params?.orgId;
  const answer = (_req: unknown, res: express.Response) => {
    res.json({ ok: true });
  };
  app.get('/bare/:orgId', answer);
  app.get('/jwt/:orgId', requireOrgToken({ ...settings.jwt, org }), answer);
  app.get('/opaque/:orgId', requireOrgToken({ ...settings.opaque, org }), answer);
  for (const [name, options] of Object.entries(settings)) {
    const verifier = orgTokenVerifier({ ...options, org });
    app.get(
      `/mcp-${name}/:orgId`,
      (req, res, next) => requireBearerAuth(verifier.forRequest(req))(req, res, next),
      answer,
    );
  }
  return createServer(app);
}

const listening = (server: ReturnType<typeof createServer>) =>
  new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

process.send?.({ core: await listening(coreServer()), express: await listening(expressServer()) });
