import type { Collection } from 'mongodb';
import type { Db } from '../../stores/db.js';
import { groupCommit } from '../../stores/group-commit.js';
import { type InsertWriteError, insertDocuments, insertError } from '../../stores/insert-documents.js';
import { isStoreOutage } from '../../stores/outage.js';
import type { StoredRecord } from './stored-record.js';

/** A token record written, or marked consumed (a rotated refresh token). */
export type TokenWrite =
  | { kind: 'replace'; id: string; record: Omit<StoredRecord, '_id'> }
  | { kind: 'consume'; id: string; at: number };

type Replace = Extract<TokenWrite, { kind: 'replace' }>;
type Consume = Extract<TokenWrite, { kind: 'consume' }>;
type Outcome = undefined | unknown;

const DUPLICATE_KEY = 11000;

/**
 * Token writes of concurrent requests go to the database together (FerretDB pays mostly per command):
 * records in one insert, consumptions in one update. A token record is written once, under a new id, so it
 * is inserted rather than upserted (an upsert costs FerretDB a lookup before the insert); one whose id is
 * already stored, which oidc-provider may save again, is then replaced. If a command fails, each of its
 * writes is tried alone, so only the requests whose own write fails see an error.
 */
export function groupedTokenWrites(db: Db, collection: Collection<StoredRecord>) {
  const replaceAlone = (write: Replace) => collection.replaceOne({ _id: write.id }, write.record, { upsert: true });
  const consumeAlone = (write: Consume) => collection.updateOne({ _id: write.id }, { $set: { consumed: write.at } });
  const settle = (attempt: Promise<unknown>): Promise<Outcome> =>
    attempt.then(
      () => undefined,
      (error: unknown) => error,
    );

  const insertAlone = async (write: Replace): Promise<Outcome> => (await insertAll([write]))[0];
  // One insert command for all the records (insert-documents.ts); a record whose id is already stored is replaced.
  const insertAll = async (writes: Replace[]): Promise<Outcome[]> => {
    const outcomes: Outcome[] = writes.map(() => undefined);
    let refused: InsertWriteError[];
    try {
      refused = await insertDocuments(db, collection.collectionName, writes.map(stored));
    } catch (error) {
      // The database refused the command as a whole: each record alone, unless the database is away.
      if (writes.length === 1 || isStoreOutage(error)) return writes.map(() => error);
      return Promise.all(writes.map(insertAlone));
    }
    await Promise.all(
      refused.map(async (error) => {
        const write = writes[error.index] as Replace;
        outcomes[error.index] = await settle(
          error.code === DUPLICATE_KEY ? replaceAlone(write) : Promise.reject(insertError(error)),
        );
      }),
    );
    return outcomes;
  };
  const consumeAll = async (writes: Consume[]): Promise<Outcome[]> => {
    if (writes.length === 1) return [await settle(consumeAlone(writes[0] as Consume))];
    try {
      await collection.bulkWrite(
        writes.map((w) => ({ updateOne: { filter: { _id: w.id }, update: { $set: { consumed: w.at } } } })),
        { ordered: false },
      );
      return writes.map(() => undefined);
    } catch {
      return Promise.all(writes.map((w) => settle(consumeAlone(w))));
    }
  };

  // At most 50 statements per command: FerretDB v1.24 never answers an update of 100 or more matching ones.
  return groupCommit<TokenWrite>(async (writes) => {
    const replaces = writes.filter((w): w is Replace => w.kind === 'replace');
    const consumes = writes.filter((w): w is Consume => w.kind === 'consume');
    const [inserted, consumed] = await Promise.all([
      replaces.length ? insertAll(replaces) : [],
      consumes.length ? consumeAll(consumes) : [],
    ]);
    const outcome = new Map<TokenWrite, Outcome>();
    for (const [i, w] of replaces.entries()) outcome.set(w, inserted[i]);
    for (const [i, w] of consumes.entries()) outcome.set(w, consumed[i]);
    return writes.map((w) => outcome.get(w));
  }, 50);
}

const stored = (write: Replace) => ({ _id: write.id, ...write.record }) as StoredRecord;
