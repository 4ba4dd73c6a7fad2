import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { type RequireOrgTokenOptions, requireOrgToken } from '../../src/resource/index.js';

/** A trivial resource server: `/orgs/:orgId/things` behind requireOrgToken, echoing ctx.state.auth. */
export async function startResourceApp(options: Omit<RequireOrgTokenOptions, 'org'>) {
  const app = new Koa();
  const router = new Router();
  router.get('/orgs/:orgId/things', requireOrgToken({ ...options, org: (ctx) => ctx.params.orgId }), (ctx) => {
    ctx.body = { auth: ctx.state.auth };
  });
  app.use(router.routes());
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    call: (orgId: string, authorization?: string) =>
      fetch(`${base}/orgs/${orgId}/things`, { headers: authorization ? { authorization } : {} }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
