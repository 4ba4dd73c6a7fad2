import type { Redis } from 'ioredis';
import type { Context } from 'koa';
import { type Charge, credentialKey, type Limit, limitRequests, problemTooMany } from '../http/rate-limits.js';

export interface ApiLimits {
  /** Admin API requests per credential (per IP without one) per minute, debits excepted. */
  perCredential: number;
  /** Debits per organization per minute. */
  debitsPerOrg: number;
  /** Answers of 401 per IP in 15 minutes before every admin API request from it is refused. */
  authFailuresPerIp: number;
}

// @koa/router matches paths whatever their case and decodes parameters, so the limits do too.
const API_PATH = /^\/api\/v1\//i;
const DEBIT_PATH = /^\/api\/v1\/orgs\/([^/]+)\/credits\/debits\/?$/i;
const OPENAPI_PATH = /^\/api\/v1\/openapi\.json$/i;

const decoded = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const failedAuthentication = (ctx: Context) => ctx.status === 401;
const refusedCredential = (ctx: Context) => ctx.status === 401 || ctx.status === 403;

/**
 * The admin API's limits, all checked in one Redis round trip per request:
 * - per credential (by its hash), `perCredential` requests a minute;
 * - debits are data-plane traffic from resource servers: they count per organization instead
 *   (`debitsPerOrg`), not per credential; a debit refused for its credential (401/403) gives its count
 *   back, so no one can spend another organization's debit budget;
 * - guessing credentials: after `authFailuresPerIp` answers of 401 to one IP within 15 minutes, every
 *   admin API request from it is refused until the window ends, whichever credential it presents.
 */
export function apiRateLimits(redis: Redis, limits: ApiLimits) {
  const perCredential: Limit = {
    name: 'admin-api',
    points: limits.perCredential,
    durationSeconds: 60,
    refuse: problemTooMany('too many requests with this credential; retry after the time in Retry-After'),
  };
  const debits: Limit = {
    name: 'credit-debits',
    points: limits.debitsPerOrg,
    durationSeconds: 60,
    refuse: problemTooMany('too many debits for this organization; retry after the time in Retry-After'),
  };
  const failures: Limit = {
    name: 'admin-api-auth-failures',
    points: limits.authFailuresPerIp,
    durationSeconds: 15 * 60,
    refuse: problemTooMany('too many failed authentications from this address; retry after the time in Retry-After'),
  };
  return limitRequests(redis, (ctx): Charge[] => {
    if (!API_PATH.test(ctx.path)) return [];
    const guarded: Charge = { limit: failures, key: `ip:${ctx.ip}`, countIf: failedAuthentication };
    if (OPENAPI_PATH.test(ctx.path)) return [guarded];
    const debitOrg = ctx.method === 'POST' ? DEBIT_PATH.exec(ctx.path)?.[1] : undefined;
    if (debitOrg === undefined) {
      const credential = /^Bearer +(\S+)/i.exec(ctx.get('authorization'))?.[1];
      const caller = credential ? `credential:${credentialKey(credential)}` : `ip:${ctx.ip}`;
      return [guarded, { limit: perCredential, key: caller }];
    }
    return [guarded, { limit: debits, key: `org:${decoded(debitOrg).slice(0, 200)}`, refundIf: refusedCredential }];
  });
}
