import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Db } from '../stores/db.js';
import { isDuplicateKeyError } from '../stores/db.js';
import {
  findSetting,
  insertSetting,
  insertSigningKey,
  retireSigningKey,
  type SigningKeyDoc,
  signingKeysNewestFirst,
} from './keys-store.js';

/**
 * Signing keys and cookie keys, generated once and stored in MongoDB encrypted (AES-256-GCM under a
 * key derived from SECRET_KEY), so every instance and every restart uses the same keys.
 */
export class KeyDecryptionError extends Error {
  override name = 'KeyDecryptionError';
}

const ALG = 'RS256';

function encryptionKey(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'orgauth', 'orgauth keys at rest v1', 32));
}

export function encryptSecret(secretKey: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(secretKey), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

export function decryptSecret(secretKey: string, sealed: string): string {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey(secretKey), iv as Buffer);
    decipher.setAuthTag(tag as Buffer);
    return Buffer.concat([decipher.update(body as Buffer), decipher.final()]).toString('utf8');
  } catch {
    throw new KeyDecryptionError(
      'SECRET_KEY does not decrypt the stored keys; it must stay the same across restarts and instances',
    );
  }
}

async function newSigningKey(secretKey: string, id: number): Promise<SigningKeyDoc> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
  const kid = randomBytes(12).toString('base64url');
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: ALG, use: 'sig' };
  return {
    _id: id,
    kid,
    alg: ALG,
    encryptedJwk: encryptSecret(secretKey, JSON.stringify(jwk)),
    createdAt: new Date(),
    retiresAt: null,
  };
}

async function insertKey(db: Db, doc: SigningKeyDoc): Promise<boolean> {
  try {
    await insertSigningKey(db, doc);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/** The private JWKs to sign and verify with: the current key first, then keys not yet retired. */
export async function loadSigningKeys(db: Db, secretKey: string): Promise<{ keys: JWK[] }> {
  let docs = await signingKeysNewestFirst(db);
  if (docs.length === 0) {
    await insertKey(db, await newSigningKey(secretKey, 1));
    docs = await signingKeysNewestFirst(db);
  }
  const now = Date.now();
  const live = docs.filter((doc, index) => index === 0 || (doc.retiresAt && doc.retiresAt.getTime() > now));
  return { keys: live.map((doc) => JSON.parse(decryptSecret(secretKey, doc.encryptedJwk)) as JWK) };
}

/**
 * Makes a new key current; the previous one keeps being published (for verification) until
 * `retireAfterSeconds` from now, which should exceed the longest JWT lifetime.
 */
export async function rotateSigningKey(
  db: Db,
  secretKey: string,
  { retireAfterSeconds }: { retireAfterSeconds: number },
) {
  const [current] = await signingKeysNewestFirst(db, 1);
  if (current) decryptSecret(secretKey, current.encryptedJwk);
  const next = await newSigningKey(secretKey, (current?._id ?? 0) + 1);
  if (!(await insertKey(db, next))) throw new Error('another rotation happened at the same time; run it again');
  const previousRetiresAt = current ? new Date(Date.now() + retireAfterSeconds * 1000) : null;
  if (current && previousRetiresAt) await retireSigningKey(db, current._id, previousRetiresAt);
  return {
    kid: next.kid,
    previousKid: current?.kid ?? null,
    previousRetiresAt: previousRetiresAt?.toISOString() ?? null,
  };
}

export async function listSigningKeys(db: Db) {
  const docs = await signingKeysNewestFirst(db);
  return docs.map((doc, index) => ({
    kid: doc.kid,
    alg: doc.alg,
    createdAt: doc.createdAt.toISOString(),
    retiresAt: doc.retiresAt?.toISOString() ?? null,
    current: index === 0,
  }));
}

/** Keys that sign cookies (oidc-provider's and the app's), created once. */
export async function loadCookieKeys(db: Db, secretKey: string): Promise<string[]> {
  const existing = await findSetting(db, 'cookie-keys');
  if (existing) return JSON.parse(decryptSecret(secretKey, existing.encrypted)) as string[];
  const keys = [randomBytes(32).toString('base64url')];
  try {
    await insertSetting(db, {
      _id: 'cookie-keys',
      encrypted: encryptSecret(secretKey, JSON.stringify(keys)),
      createdAt: new Date(),
    });
    return keys;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    return loadCookieKeys(db, secretKey);
  }
}
