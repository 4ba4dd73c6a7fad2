import type { Redis } from 'ioredis';
import { type Counter, countLimits } from '../../http/limit-counters.js';

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

const ACCOUNT_WINDOW_MS = 15 * 60 * 1000;
const IP_WINDOW_MS = 60 * 60 * 1000;

export function createLoginLimiter(redis: Redis, { perAccount = 5, perIp = 100 } = {}): LoginLimiter {
  const accountKey = (ip: string, email: string) => `login-fail-account:${ip}|${email.toLowerCase()}`;
  const ipKey = (ip: string) => `login-fail-ip:${ip}`;
  const delayKey = (ip: string, email: string) => `login-delay:${ip}|${email.toLowerCase()}`;
  // Each failure counts against the pair and the IP; a delay is a key that holds one count while it lasts.
  const failures = (ip: string, email: string, cost: Counter['cost']): Counter[] => [
    { key: accountKey(ip, email), points: cost ? Infinity : perAccount, windowMs: ACCOUNT_WINDOW_MS, cost },
    { key: ipKey(ip), points: cost ? Infinity : perIp, windowMs: IP_WINDOW_MS, cost },
  ];

  return {
    async check(ip, email) {
      const delay = { key: delayKey(ip, email), points: 1, windowMs: 1000, cost: 0 } as const;
      const { refusedBy, waitMs } = await countLimits(redis, [...failures(ip, email, 0), delay]);
      return refusedBy < 0 ? 0 : Math.max(1, Math.ceil(waitMs / 1000));
    },
    async fail(ip, email) {
      const [account = 0] = (await countLimits(redis, failures(ip, email, 1))).counts;
      if (account >= 3 && account < perAccount) {
        await redis.set(delayKey(ip, email), '1', 'PX', 1000 * 2 ** (account - 3));
      }
    },
    async succeed(ip, email) {
      await redis.del(accountKey(ip, email), delayKey(ip, email));
    },
  };
}
