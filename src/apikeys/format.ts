import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Org API keys: `oa_live_<keyId>_<secret>`; platform keys: `oa_admin_<keyId>_<secret>`. */
export const KEY_PREFIXES = { member: 'oa_live_', platform: 'oa_admin_' } as const;
export type KeyKind = keyof typeof KEY_PREFIXES;

const KEY_PATTERN = /^oa_(live|admin)_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewKey {
  id: string;
  key: string;
  secretHash: string;
  hint: string;
}

export function generateKey(kind: KeyKind): NewKey {
  const id = randomBytes(12).toString('hex').slice(0, 16);
  const key = `${KEY_PREFIXES[kind]}${id}_${randomBytes(32).toString('base64url')}`;
  return { id: `key_${id}`, key, secretHash: hashKey(key), hint: `${KEY_PREFIXES[kind]}${id}_…${key.slice(-4)}` };
}

/** Keys are 256-bit random strings: a fast hash is enough and keeps every request cheap. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The kind and id a presented key claims, or undefined when it is not shaped like one of ours. */
export function parseKey(key: string): { kind: KeyKind; id: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  return { kind: match[1] === 'admin' ? 'platform' : 'member', id: `key_${match[2]}` };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith('oa_live_') || token.startsWith('oa_admin_');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
