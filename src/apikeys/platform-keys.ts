import { z } from 'zod';
import type { Db } from '../stores/db.js';
import { parseInput } from '../validation.js';
import { generateKey, hashKey, parseKey, sameHash } from './format.js';
import { findPlatformKey, insertPlatformKey } from './store.js';

const nameSchema = z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters');

/** An operator's key for the cross-organization admin routes (`orgauth platform key create`). */
export async function createPlatformKey(db: Db, name: string): Promise<{ id: string; key: string; name: string }> {
  const validName = parseInput(nameSchema, name);
  const generated = generateKey('platform');
  await insertPlatformKey(db, {
    _id: generated.id,
    name: validName,
    secretHash: generated.secretHash,
    hint: generated.hint,
    createdAt: new Date(),
  });
  return { id: generated.id, key: generated.key, name: validName };
}

export async function verifyPlatformKey(db: Db, presented: string): Promise<{ keyId: string } | undefined> {
  const parsed = parseKey(presented);
  if (parsed?.kind !== 'platform') return undefined;
  const doc = await findPlatformKey(db, parsed.id);
  if (!doc || !sameHash(doc.secretHash, hashKey(presented))) return undefined;
  return { keyId: doc._id };
}
