// Child process of bench/middleware.ts and bench/token-endpoint.ts: trivial Koa routes, bare and behind
// requireOrgToken (JWT; opaque tokens and API keys with introspection answers cached, or introspected
// on every request).
import Router from '@koa/router';
import Koa from 'koa';
import { requireOrgToken } from '../src/resource/index.js';

const {
  ISSUER = '',
  AUDIENCE = '',
  OPAQUE_AUDIENCE = '',
  CLIENT_ID = '',
  CLIENT_SECRET = '',
  PORT = '0',
} = process.env;
const app = new Koa();
const router = new Router();
const org = (ctx: Koa.Context) => ctx.params.orgId;
router.get('/bare/:orgId', (ctx) => {
  ctx.body = { ok: true };
});
router.get('/jwt/:orgId', requireOrgToken({ issuer: ISSUER, audience: AUDIENCE, org }), (ctx) => {
  ctx.body = { ok: true };
});
router.get(
  '/opaque/:orgId',
  requireOrgToken({
    issuer: ISSUER,
    audience: OPAQUE_AUDIENCE,
    org,
    introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, maxCacheSeconds: 600 },
  }),
  (ctx) => {
    ctx.body = { ok: true };
  },
);
router.get(
  '/opaque-uncached/:orgId',
  requireOrgToken({
    issuer: ISSUER,
    audience: OPAQUE_AUDIENCE,
    org,
    introspection: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, maxCacheSeconds: 0 },
  }),
  (ctx) => {
    ctx.body = { ok: true };
  },
);
app.use(router.routes());
app.listen(Number(PORT), '127.0.0.1', () => process.send?.('ready'));
