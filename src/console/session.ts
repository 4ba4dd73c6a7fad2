import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Context } from 'koa';
import { csrfToken, isValidCsrfToken } from '../http/csrf.js';

export const SESSION_COOKIE = 'orgauth_console';
/** A signed-out visitor's cookie, so that sign-in and sign-up forms carry a CSRF token too. */
const VISITOR_COOKIE = 'orgauth_visitor';
const TTL_SECONDS = 12 * 3600;

export interface ConsoleSession {
  id: string;
  userId: string;
  /** The organization the console last showed; the switcher changes it. */
  activeOrgId: string | undefined;
  createdAt: number;
}

type Stored = Omit<ConsoleSession, 'id'>;

export interface Flash {
  message: string;
  reveal?: Record<string, string>;
}

const hashOf = (id: string) => createHash('sha256').update(id).digest('base64url');
const sessionKey = (id: string) => `console-session:${hashOf(id)}`;
const userSessionsKey = (userId: string) => `console-sessions-of:${userId}`;

const cookieOptions = (ctx: Context, maxAge?: number) => ({
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: ctx.secure,
  signed: false,
  path: '/',
  overwrite: true,
  ...(maxAge ? { maxAge } : {}),
});

/**
 * Console sessions live in Redis under the hash of a random cookie value, so every instance sees
 * them and a sign-out or password change ends them at once. Only the hash is stored.
 */
export function consoleSessions(redis: Redis, secretKey: string) {
  return {
    async start(ctx: Context, userId: string, activeOrgId: string | undefined): Promise<ConsoleSession> {
      const id = randomBytes(32).toString('base64url');
      const stored: Stored = { userId, activeOrgId, createdAt: Date.now() };
      await redis
        .multi()
        .set(sessionKey(id), JSON.stringify(stored), 'EX', TTL_SECONDS)
        .sadd(userSessionsKey(userId), hashOf(id))
        .expire(userSessionsKey(userId), TTL_SECONDS)
        .exec();
      ctx.cookies.set(SESSION_COOKIE, id, cookieOptions(ctx, TTL_SECONDS * 1000));
      return { id, ...stored };
    },

    async current(ctx: Context): Promise<ConsoleSession | undefined> {
      const id = ctx.cookies.get(SESSION_COOKIE);
      if (!id || id.length > 100) return undefined;
      const raw = await redis.get(sessionKey(id));
      if (!raw) return undefined;
      return { id, ...(JSON.parse(raw) as Stored) };
    },

    async setActiveOrg(session: ConsoleSession, orgId: string): Promise<void> {
      if (session.activeOrgId === orgId) return;
      session.activeOrgId = orgId;
      const { id, ...stored } = session;
      await redis.set(sessionKey(id), JSON.stringify(stored), 'KEEPTTL');
    },

    async end(ctx: Context, session: ConsoleSession | undefined): Promise<void> {
      if (session) {
        await redis
          .multi()
          .del(sessionKey(session.id))
          .srem(userSessionsKey(session.userId), hashOf(session.id))
          .exec();
      }
      ctx.cookies.set(SESSION_COOKIE, '', { ...cookieOptions(ctx), maxAge: 0 });
    },

    /** Ends every console session of a person but the given one (after a password change). */
    async endOthers(session: ConsoleSession): Promise<void> {
      const hashes = await redis.smembers(userSessionsKey(session.userId));
      const others = hashes.filter((h) => h !== hashOf(session.id));
      if (others.length === 0) return;
      await redis
        .multi()
        .del(...others.map((h) => `console-session:${h}`))
        .srem(userSessionsKey(session.userId), ...others)
        .exec();
    },

    /**
     * What the page after a form's redirect shows once: a confirmation, and a secret just created
     * (an API key, a client secret, an invitation link), kept at most a minute for that one read,
     * so that reloading the page neither repeats the action nor shows the secret again.
     */
    async flash(session: ConsoleSession, flash: Flash): Promise<void> {
      await redis.set(`console-flash:${hashOf(session.id)}`, JSON.stringify(flash), 'EX', 60);
    },

    async takeFlash(session: ConsoleSession): Promise<Flash | undefined> {
      const raw = await redis.getdel(`console-flash:${hashOf(session.id)}`);
      return raw ? (JSON.parse(raw) as Flash) : undefined;
    },

    /** The CSRF token of the forms this request renders: bound to the session, or to the visitor cookie. */
    csrfFor(ctx: Context, session: ConsoleSession | undefined): string {
      if (session) return csrfToken(secretKey, `console:${hashOf(session.id)}`);
      let visitor = ctx.cookies.get(VISITOR_COOKIE);
      if (!visitor || visitor.length > 100) {
        visitor = randomBytes(24).toString('base64url');
        ctx.cookies.set(VISITOR_COOKIE, visitor, cookieOptions(ctx));
      }
      return csrfToken(secretKey, `visitor:${visitor}`);
    },

    checkCsrf(ctx: Context, session: ConsoleSession | undefined, token: unknown): boolean {
      if (session) return isValidCsrfToken(secretKey, `console:${hashOf(session.id)}`, token);
      const visitor = ctx.cookies.get(VISITOR_COOKIE);
      return !!visitor && isValidCsrfToken(secretKey, `visitor:${visitor}`, token);
    },
  };
}
export type ConsoleSessions = ReturnType<typeof consoleSessions>;
