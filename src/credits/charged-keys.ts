import type { Db } from '../stores/db.js';
import { groupCommit } from '../stores/group-commit.js';
import { groupReads, perDatabase } from './grouped.js';
import type { CreditEntryDoc } from './model.js';
import {
  type ChargedKey,
  chargedKeyId,
  findChargedKeys,
  type IdempotencyDoc,
  type KeyOf,
  rememberChargedKeys,
} from './store.js';

/**
 * The records of Idempotency-Keys already charged, read and written in groups: the keys asked for
 * while a read is in flight are read together by the next one (store.ts: findChargedKeys), and the
 * records written while a write is in flight are inserted together.
 */
const reads = perDatabase((db) =>
  groupReads(async (asked: KeyOf[]) => {
    const found = await findChargedKeys(db, asked);
    return asked.map(({ orgId, key }) => found.get(chargedKeyId(orgId, key)));
  }),
);
const writes = perDatabase((db) => groupCommit<ChargedKey>((charged) => rememberChargedKeys(db, charged)));

/** The entry id and request hash a key charged, if it was. */
export function findChargedKey(db: Db, orgId: string, key: string): Promise<IdempotencyDoc | undefined> {
  return reads(db)({ orgId, key });
}

/** Remembers the entry a key charged; the first record of a key stays. */
export function rememberChargedKey(db: Db, orgId: string, key: string, entry: CreditEntryDoc): Promise<void> {
  return writes(db)({ orgId, key, entry: { _id: entry._id, requestHash: entry.requestHash } });
}
