import Router from '@koa/router';
import type { Stores } from '../stores/index.js';
import { pingMongo } from '../stores/mongo.js';
import { pingRedis } from '../stores/redis.js';

/** `/healthz`: the process answers. `/readyz`: both stores answer, else 503 naming the one that is down. */
export function healthRoutes(stores: Stores): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const [mongodb, redis] = await Promise.all([pingMongo(stores.db), pingRedis(stores.redis)]);
    const checks = { mongodb: mongodb ? 'up' : 'down', redis: redis ? 'up' : 'down' };
    const ready = mongodb && redis;
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ok' : 'unavailable', checks };
  });
  return router;
}
