import { declareCollection, openCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';

/**
 * Signing keys and cookie keys, generated once and stored in MongoDB encrypted (AES-256-GCM under a
 * key derived from SECRET_KEY), so every instance and every restart uses the same keys.
 * Signing keys are numbered (`_id` 1, 2, …): the unique `_id` decides races between instances.
 */
export interface SigningKeyDoc {
  _id: number;
  kid: string;
  alg: string;
  encryptedJwk: string;
  createdAt: Date;
  /** null while current; set on rotation to when the key stops being published. */
  retiresAt: Date | null;
}

export interface SettingDoc {
  _id: string;
  encrypted: string;
  createdAt: Date;
}

/** Signing keys, `_id` starting with the creation time, so the newest sorts last. */
export const signingKeysCollection = declareCollection({
  name: 'signing_keys',
  indexes: [],
  queries: [],
  unscopedQueries: ['{} sort {_id: -1}', '{_id}'],
  shardKey: { _id: 1 },
});

/** Deployment-wide settings (cookie keys), by name. */
export const settingsCollection = declareCollection({
  name: 'settings',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
});

const signingKeys = (db: Db) => openCollection<SigningKeyDoc>(db, signingKeysCollection);
const settings = (db: Db) => openCollection<SettingDoc>(db, settingsCollection);

/** Newest (current) first; a deployment has a handful. */
export function signingKeysNewestFirst(db: Db, limit = 0): Promise<SigningKeyDoc[]> {
  return signingKeys(db).find().sort({ _id: -1 }).limit(limit).toArray();
}

/** A unique insert: of two instances creating key N at once, one wins and the other gets a duplicate-key error. */
export async function insertSigningKey(db: Db, doc: SigningKeyDoc): Promise<void> {
  await signingKeys(db).insertOne(doc);
}

export async function retireSigningKey(db: Db, id: number, retiresAt: Date): Promise<void> {
  await signingKeys(db).updateOne({ _id: id }, { $set: { retiresAt } });
}

export function findSetting(db: Db, name: string): Promise<SettingDoc | null> {
  return settings(db).findOne({ _id: name });
}

export async function insertSetting(db: Db, doc: SettingDoc): Promise<void> {
  await settings(db).insertOne(doc);
}
