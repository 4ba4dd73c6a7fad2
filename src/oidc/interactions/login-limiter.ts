import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Brute-force protection of the sign-in form, in Redis so every instance shares it: a pair
 * (IP, account) is locked for 15 minutes after 5 failures; an IP after 100 failures in an hour.
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
  const waitOf = (res: RateLimiterRes | null, points: number) =>
    res && res.consumedPoints >= points ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;

  return {
    async check(ip, email) {
      const [account, address] = await Promise.all([byAccount.get(accountKey(ip, email)), byIp.get(ip)]);
      return Math.max(waitOf(account, perAccount), waitOf(address, perIp));
    },
    async fail(ip, email) {
      await Promise.all([
        byAccount.consume(accountKey(ip, email)).catch(overLimitIsFine),
        byIp.consume(ip).catch(overLimitIsFine),
      ]);
    },
    async succeed(ip, email) {
      await byAccount.delete(accountKey(ip, email));
    },
  };
}
