import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError } from '../errors.js';
import { declareCollection, openCollection } from './collections.js';
import { type Db, isDuplicateKeyError } from './db.js';

interface LockDoc {
  _id: string;
  holder: string;
  expiresAt: Date;
}

/** Short locks by name (e.g. an organization's member changes), taken by a unique insert. */
export const locksCollection = declareCollection({
  name: 'locks',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}', '{_id, holder}'],
  shardKey: { _id: 1 },
});

const locks = (db: Db) => openCollection<LockDoc>(db, locksCollection);

export interface LockOptions {
  /** After this long a lock whose holder died is taken over. */
  ttlMs?: number;
  /** How long to wait for the lock before answering 409. */
  waitMs?: number;
  /** What the 409 says. */
  busyMessage?: string;
}

/**
 * Runs `action` while holding a named lock that every instance sees: a document only one writer can
 * insert, because the database enforces unique `_id`s (FerretDB has neither transactions nor atomic
 * conditional updates). The lock of a crashed holder expires after `ttlMs`.
 */
export async function withLock<T>(db: Db, name: string, action: () => Promise<T>, options: LockOptions = {}) {
  const { ttlMs = 15_000, waitMs = 5_000, busyMessage = 'another change is in progress; try again' } = options;
  const holder = randomBytes(9).toString('base64url');
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      await locks(db).insertOne({ _id: name, holder, expiresAt: new Date(Date.now() + ttlMs) });
      break;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const current = await locks(db).findOne({ _id: name });
    if (current && current.expiresAt.getTime() < Date.now()) {
      await locks(db).deleteOne({ _id: name, holder: current.holder });
      continue;
    }
    if (Date.now() > deadline) throw new ConflictError(busyMessage);
    await sleep(delay + Math.floor(Math.random() * delay));
  }
  try {
    return await action();
  } finally {
    await locks(db).deleteOne({ _id: name, holder });
  }
}

/** Changes to an organization's members and roles, one at a time, so that an owner always remains. */
export const withMembersLock = <T>(db: Db, orgId: string, action: () => Promise<T>) =>
  withLock(db, `org-members:${orgId}`, action, {
    busyMessage: "another change to this organization's members is in progress; try again",
  });
