import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Brute-force protection of the sign-in forms, in Redis so every instance shares it. From the
 * third failure of a pair (IP, account) each attempt must wait longer (1 s, 2 s, 4 s, …); after
 * `perAccount` failures the pair is locked for 15 minutes, and an IP after `perIp` failures in an hour.
 */
export interface LoginLimiter {
  /** Seconds to wait before another attempt, or 0. */
  check(ip: string, email: string): Promise<number>;
  fail(ip: string, email: string): Promise<void>;
  succeed(ip: string, email: string): Promise<void>;
}

/** `consume` rejects with a RateLimiterRes once over the limit (expected), or with an Error (a real failure). */
function overLimitIsFine(reason: unknown): void {
  if (reason instanceof Error) throw reason;
}

export function createLoginLimiter(redis: Redis, { perAccount = 5, perIp = 100 } = {}): LoginLimiter {
  const byAccount = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'login-fail-account',
    points: perAccount,
    duration: 15 * 60,
    blockDuration: 15 * 60,
  });
  const byIp = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'login-fail-ip',
    points: perIp,
    duration: 3600,
    blockDuration: 3600,
  });
  const accountKey = (ip: string, email: string) => `${ip}|${email.toLowerCase()}`;
  const delayKey = (ip: string, email: string) => `login-delay:${accountKey(ip, email)}`;
  const waitOf = (res: RateLimiterRes | null, points: number) =>
    res && res.consumedPoints >= points ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;

  return {
    async check(ip, email) {
      const [account, address, delayMs] = await Promise.all([
        byAccount.get(accountKey(ip, email)),
        byIp.get(ip),
        redis.pttl(delayKey(ip, email)),
      ]);
      const delay = delayMs > 0 ? Math.ceil(delayMs / 1000) : 0;
      return Math.max(waitOf(account, perAccount), waitOf(address, perIp), delay);
    },
    async fail(ip, email) {
      const [account] = await Promise.all([
        byAccount.consume(accountKey(ip, email)).catch((reason: unknown) => {
          overLimitIsFine(reason);
          return reason as RateLimiterRes;
        }),
        byIp.consume(ip).catch(overLimitIsFine),
      ]);
      const failures = account.consumedPoints;
      if (failures >= 3 && failures < perAccount) {
        await redis.set(delayKey(ip, email), '1', 'PX', 1000 * 2 ** (failures - 3));
      }
    },
    async succeed(ip, email) {
      await Promise.all([byAccount.delete(accountKey(ip, email)), redis.del(delayKey(ip, email))]);
    },
  };
}
