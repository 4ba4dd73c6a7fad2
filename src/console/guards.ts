import type { Context, Next } from 'koa';
import { NotFoundError } from '../errors.js';
import { stateOf } from './context.js';

/** Pages for signed-in people: others are sent to sign in and brought back afterwards. */
export async function requireUser(ctx: Context, next: Next) {
  if (stateOf(ctx).user) return next();
  ctx.status = 303;
  const back = ctx.method === 'GET' ? ctx.originalUrl : '/console';
  ctx.redirect(`/console/signin?next=${encodeURIComponent(back)}`);
}

/** Platform pages: only for platform admins (others see that the page does not exist). */
export async function requirePlatformAdmin(ctx: Context, next: Next) {
  const user = stateOf(ctx).user;
  if (!user) return requireUser(ctx, next);
  if (!user.platformAdmin) {
    throw new NotFoundError('page not found');
  }
  return next();
}
