// Run in the fresh project: a Koa app behind orgauth/koa with the revocation feed (ioredis installed
// now), called with a real token of ORG_ID, then at another organization's URL. Prints the statuses.
import { createServer } from 'node:http';
import Koa from 'koa';
import { requireOrgToken, revocationFeed } from 'orgauth/koa';

const { ISSUER, AUDIENCE, TOKEN, ORG_ID, REDIS_URL, REDIS_KEY_PREFIX } = process.env;
const warnings = [];
const revocation = revocationFeed({
  redisUrl: REDIS_URL,
  keyPrefix: REDIS_KEY_PREFIX,
  logger: { warn: (message) => warnings.push(message) },
});
await revocation.ready();
const app = new Koa();
app.use(requireOrgToken({ issuer: ISSUER, audience: AUDIENCE, org: (ctx) => ctx.path.split('/')[2], revocation }));
app.use((ctx) => {
  ctx.body = ctx.state.auth;
});
const server = createServer(app.callback()).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const call = (orgId) =>
  fetch(`http://127.0.0.1:${server.address().port}/orgs/${orgId}/things`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
const own = await call(ORG_ID);
const other = await call('org_elsewhere');
process.stdout.write(JSON.stringify({ own: own.status, auth: await own.json(), other: other.status, warnings }));
server.close();
await revocation.close();
