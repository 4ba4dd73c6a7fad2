import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import type { Rider } from '../http/limit-counters.js';
import { currentRequest } from './current-request.js';
import { presentedForm } from './hashed-client-secrets.js';

/** Longer than any code oidc-provider issues; a longer value is left to oidc-provider's own lookup. */
const MAX_CODE_LENGTH = 128;

const readAhead = new WeakMap<IncomingMessage, Map<string, Record<string, string>>>();

/**
 * The authorization code a token request exchanges, read in the round trip that counts the request's
 * rate limit (src/http/limit-counters.ts) rather than in one of its own right after. The Redis adapter
 * takes it once, in the request that read it (`takeReadAhead`); a later read of the record goes to Redis.
 * oidc-provider checks and consumes the code as it does with a record it read itself.
 */
export function codeReadAheadRiders(ctx: Context): Rider[] {
  const form = ctx.method === 'POST' && ctx.path === '/token' ? presentedForm(ctx) : undefined;
  const code = form?.get('code');
  if (form?.get('grant_type') !== 'authorization_code' || !code || code.length > MAX_CODE_LENGTH) return [];
  const key = `AuthorizationCode:${code}`;
  return [{ kind: 'hash', key, settle: (fields) => readAhead.set(ctx.req, new Map([[key, fields]])) }];
}

/** The record the current request read ahead under `key` (the adapter's key, without the Redis prefix). */
export function takeReadAhead(key: string): Record<string, string> | undefined {
  const request = currentRequest();
  const records = request && readAhead.get(request);
  const record = records?.get(key);
  if (record) records?.delete(key);
  return record;
}
