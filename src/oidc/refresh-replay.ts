import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { type Rider, sendRiders } from '../http/limit-counters.js';
import { presentedClientId, presentedForm } from './hashed-client-secrets.js';

/**
 * Refresh-token rotation that forgives honest repeats. Rotation with reuse detection revokes the whole
 * grant when a rotated refresh token comes back; MCP clients send the same refresh token twice within
 * seconds (two tabs or processes refreshing at once, a retry after a lost answer) and their people
 * would have to authorize again. So within `windowSeconds` of a rotation, the same request (the same
 * refresh token, client, credentials and parameters) gets the very answer the first request got
 * (the same new pair), and a request that arrives while the first is still running waits for it.
 * After the window, reuse detection applies (oidc-provider revokes the grant; the audit log records it).
 *
 * The answer is kept in Redis only for the window, encrypted with a key derived from the presented
 * refresh token, so only a holder of that token can read it; the Redis key is another hash of it.
 * Requests authenticated by a signed assertion (private_key_jwt: each assertion is single-use) or bound
 * by DPoP (each proof is fresh) are left to oidc-provider as they are. The claim (kept answer, or the
 * lock for this request) rides in the token endpoint's rate-limit round trip (`riders`); `middleware` acts on it.
 */
export function refreshReplayWindow(redis: Redis, windowSeconds: number, logger?: Logger) {
  const pending = new WeakMap<Context, Seen>();
  const paramsOf = (ctx: Context) => {
    let seen = pending.get(ctx);
    if (!seen) {
      const params = windowSeconds > 0 ? refreshParams(ctx) : undefined;
      if (!params) return undefined;
      // The token's id (a hash) is worked out once: the rate limit's rider and the middleware both use it.
      seen = { params, id: replayId(params.token) };
      pending.set(ctx, seen);
    }
    return seen;
  };
  const claimOf = (seen: Seen): Rider[] => {
    const { id } = seen;
    const settle = ({ stored, locked }: { stored: string | null; locked: boolean }) => {
      seen.claim = [stored, locked ? 1 : 0];
    };
    return [{ kind: 'claim', key: answerKey(id), lock: lockKey(id), lockMs: LOCK_MS, settle }];
  };
  return {
    /** The claim, carried by the token endpoint's rate limit in its round trip. */
    riders(ctx: Context): Rider[] {
      const seen = paramsOf(ctx);
      return seen ? claimOf(seen) : [];
    },
    middleware: async (ctx: Context, next: Next) => {
      const seen = paramsOf(ctx);
      if (!seen) return next();
      const { token, credentials } = seen.params;
      const { id } = seen;
      const key = digest('key', token);
      if (!seen.claim) {
        try {
          await sendRiders(redis, claimOf(seen));
        } catch (error) {
          // Redis is away: rotation goes on without the window (the rate limit has already answered 503 then).
          logger?.warn({ err: error }, 'refresh replay window unavailable');
          return next();
        }
      }
      const [stored, locked] = seen.claim ?? [null, 0];
      const earlier = stored ?? (locked ? undefined : await waitForAnswer(redis, id));
      if (earlier) {
        const answer = open(earlier, key);
        if (answer?.credentials === credentials) return replay(ctx, answer.body);
        return next();
      }
      const release = () => redis.del(lockKey(id)).catch(() => undefined);
      try {
        await next();
      } catch (error) {
        await release();
        throw error;
      }
      if (ctx.status !== 200 || !ctx.body || typeof ctx.body !== 'object') {
        await release();
        return;
      }
      // Kept for the window, the lock released, in the next shared call of the rate-limit script. The answer does
      // not wait for it: until the answer is kept the lock stays, and a repeat waits for the kept answer
      // (waitForAnswer). The rotation has happened: its answer goes out even when Redis cannot keep it (the lock
      // is then released, and a repeat counts as a reuse).
      const value = seal({ credentials, body: JSON.stringify(ctx.body) }, key);
      const keep: Rider = { kind: 'keep', key: answerKey(id), lock: lockKey(id), value, seconds: windowSeconds };
      void sendRiders(redis, [keep]).catch(async (error) => {
        logger?.warn({ err: error }, 'refresh answer not kept for the replay window');
        await release();
      });
    },
  };
}

/** The kept answer, if any, and whether this request took the lock (1). */
type Claim = [string | null, number];
type RefreshParams = { token: string; credentials: string };
type Seen = { params: RefreshParams; id: string; claim?: Claim };

/** How long a first request may hold the token before a concurrent one stops waiting for its answer. */
const LOCK_MS = 10_000;
const WAIT_STEP_MS = 20;

/** A concurrent request waits for the first one's answer (or for its failure, then asks oidc-provider). */
async function waitForAnswer(redis: Redis, id: string): Promise<string | undefined> {
  const deadline = Date.now() + LOCK_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    const [stored, lock] = await redis.mget(answerKey(id), lockKey(id));
    if (stored) return stored;
    if (!lock) return undefined;
  }
  return undefined;
}

function refreshParams(ctx: Context): RefreshParams | undefined {
  if (ctx.method !== 'POST' || ctx.path !== '/token' || ctx.get('dpop')) return undefined;
  const form = presentedForm(ctx);
  if (!form) return undefined;
  const token = form.get('refresh_token');
  if (form.get('grant_type') !== 'refresh_token' || !token || form.has('client_assertion')) return undefined;
  // A repeat is the same request: the client's credentials as presented (secrets already replaced by their
  // hashes) and every other parameter (resource, scope…). Anything else is a reuse.
  const others = [...form.entries()]
    .filter(([name]) => name !== 'refresh_token')
    .sort(([a], [b]) => a.localeCompare(b));
  const credentials = digest(
    'credentials',
    JSON.stringify([presentedClientId(ctx) ?? '', ctx.get('authorization'), others]),
  ).toString('base64url');
  return { token, credentials };
}

function replay(ctx: Context, body: string) {
  ctx.status = 200;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ctx.type = 'application/json';
  ctx.body = body;
}

/** Where an answer is kept for the window, and the lock of the request giving it (Redis keys). */
const answerKey = (id: string) => `refresh-replay:${id}`;
const lockKey = (id: string) => `refresh-replay-lock:${id}`;
/** The Redis key of a refresh token's kept answer (without the key prefix). */
export const replayKey = (refreshToken: string) => answerKey(replayId(refreshToken));
const replayId = (refreshToken: string) => digest('id', refreshToken).toString('base64url');

const digest = (purpose: string, value: string) =>
  createHash('sha256').update(`orgauth:refresh-replay:${purpose}:`).update(value).digest();

function seal(answer: { credentials: string; body: string }, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

function open(stored: string, key: Buffer): { credentials: string; body: string } | undefined {
  try {
    const raw = Buffer.from(stored, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as { credentials: string; body: string };
  } catch {
    return undefined;
  }
}
