import type Router from '@koa/router';
import type { Context } from 'koa';
import { InvalidError } from '../../errors.js';
import { emailSchema } from '../../users/schema.js';
import { authenticate, changePassword, renameUser, signUp } from '../../users/service.js';
import { attempt, type ConsoleDeps, type Failure, field, Refusal, show, stateOf, userOf } from '../context.js';
import { requireUser } from '../guards.js';

/** Only our own console paths are followed after sign-in (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console(?:[/?]|$)/.test(next) && !/[\\]|\/\//.test(next) ? next : '/console';
}

/** Sign up, sign in, sign out and the account page. */
export function authRoutes(router: Router, deps: ConsoleDeps): void {
  const { db } = deps.api;
  const { sessions, loginLimiter } = deps;

  // An invitation link sends people here with the invited email, which the form starts with.
  const suggestedEmail = (ctx: Context) =>
    typeof ctx.query.email === 'string' ? ctx.query.email.slice(0, 320) : undefined;
  const signInPage = (ctx: Context, failure?: Failure) =>
    show(ctx, 'signin', {
      title: 'Sign in',
      next: safeNext(ctx.query.next ?? field(ctx, 'next')),
      email: suggestedEmail(ctx),
      failure,
    });
  const signUpPage = (ctx: Context, failure?: Failure) =>
    show(ctx, 'signup', {
      title: 'Create your account',
      next: safeNext(ctx.query.next ?? field(ctx, 'next')),
      email: suggestedEmail(ctx),
      failure,
    });

  const startSession = async (ctx: Context, userId: string, activeOrgId: string, next: string) => {
    await sessions.end(ctx, stateOf(ctx).session);
    await sessions.start(ctx, userId, activeOrgId);
    ctx.status = 303;
    ctx.redirect(next);
  };

  router.get('/signin', async (ctx) => {
    if (stateOf(ctx).user) return ctx.redirect(safeNext(ctx.query.next));
    signInPage(ctx);
  });

  router.post('/signin', async (ctx) => {
    const next = safeNext(field(ctx, 'next'));
    const email = field(ctx, 'email').slice(0, 320);
    const password = field(ctx, 'password').slice(0, 1024);
    let signedIn: { userId: string; orgId: string } | undefined;
    const failure = await attempt(ctx, 'signin', async () => {
      const parsed = emailSchema.safeParse(email);
      if (!parsed.success || !password)
        throw new InvalidError('Enter your email and password.', {
          ...(parsed.success ? {} : { email: 'Enter your email address.' }),
          ...(password ? {} : { password: 'Enter your password.' }),
        });
      const wait = await loginLimiter.check(ctx.ip, parsed.data);
      if (wait) {
        ctx.set('Retry-After', String(wait));
        throw new Refusal(`Too many attempts. Try again in ${wait} seconds.`, 429);
      }
      const user = await authenticate(db, parsed.data, password);
      if (!user) {
        await loginLimiter.fail(ctx.ip, parsed.data);
        throw new Refusal('Email or password is incorrect.', 401);
      }
      await loginLimiter.succeed(ctx.ip, parsed.data);
      signedIn = { userId: user._id, orgId: user.personalOrgId };
    });
    if (failure || !signedIn) return signInPage(ctx, failure);
    await startSession(ctx, signedIn.userId, signedIn.orgId, next);
  });

  router.get('/signup', async (ctx) => {
    if (stateOf(ctx).user) return ctx.redirect('/console');
    signUpPage(ctx);
  });

  router.post('/signup', async (ctx) => {
    let created: { userId: string; orgId: string } | undefined;
    const failure = await attempt(ctx, 'signup', async () => {
      if (field(ctx, 'password') !== field(ctx, 'confirmPassword')) {
        throw new InvalidError('the passwords differ', { confirmPassword: 'does not match the password' });
      }
      const user = await signUp(db, {
        email: field(ctx, 'email'),
        password: field(ctx, 'password'),
        name: field(ctx, 'name'),
      });
      created = { userId: user._id, orgId: user.personalOrgId };
    });
    if (failure || !created) return signUpPage(ctx, failure);
    const next = safeNext(field(ctx, 'next'));
    await startSession(
      ctx,
      created.userId,
      created.orgId,
      next === '/console' ? `/console/orgs/${created.orgId}` : next,
    );
  });

  router.post('/signout', async (ctx) => {
    await sessions.end(ctx, stateOf(ctx).session);
    ctx.status = 303;
    ctx.redirect('/console/signin');
  });

  const accountPage = (ctx: Context, failure?: Failure) =>
    show(ctx, 'account', { title: 'Your account', section: 'account', failure });

  router.get('/account', requireUser, async (ctx) => accountPage(ctx));

  router.post('/account/profile', requireUser, async (ctx) => {
    const failure = await attempt(ctx, 'profile', async () => {
      await renameUser(db, userOf(ctx)._id, field(ctx, 'name'));
    });
    if (failure) return accountPage(ctx, failure);
    await done(ctx, deps, 'Your name was saved.', '/console/account');
  });

  router.post('/account/password', requireUser, async (ctx) => {
    const session = stateOf(ctx).session;
    const failure = await attempt(ctx, 'password', async () => {
      if (field(ctx, 'newPassword') !== field(ctx, 'confirmPassword')) {
        throw new InvalidError('the passwords differ', { confirmPassword: 'does not match the new password' });
      }
      await changePassword(db, userOf(ctx)._id, field(ctx, 'currentPassword'), field(ctx, 'newPassword'));
      if (session) await sessions.endOthers(session);
    });
    if (failure) return accountPage(ctx, failure);
    await done(
      ctx,
      deps,
      'Your password was changed; your other console sessions were signed out.',
      '/console/account',
    );
  });
}

/** After a form succeeds: a confirmation on the next page, and a redirect so a reload does not repeat it. */
export async function done(
  ctx: Context,
  deps: ConsoleDeps,
  message: string,
  to: string,
  reveal?: Record<string, string>,
): Promise<void> {
  const session = stateOf(ctx).session;
  if (session) await deps.sessions.flash(session, { message, reveal });
  ctx.status = 303;
  ctx.redirect(to);
}
