import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { groupCommit } from '../../stores/group-commit.js';
import type { StoredRecord } from './stored-record.js';

/** A token record written, or marked consumed (a rotated refresh token). */
export type TokenWrite =
  | { kind: 'replace'; id: string; record: Omit<StoredRecord, '_id'> }
  | { kind: 'consume'; id: string; at: number };

const operation = (write: TokenWrite): AnyBulkWriteOperation<StoredRecord> =>
  write.kind === 'replace'
    ? { replaceOne: { filter: { _id: write.id }, replacement: write.record, upsert: true } }
    : { updateOne: { filter: { _id: write.id }, update: { $set: { consumed: write.at } } } };

/**
 * Token writes of concurrent requests go to the database together: one command for a batch (FerretDB
 * pays mostly per command). If that command fails, each write is tried alone, so only the requests
 * whose own write fails see an error.
 */
export function groupedTokenWrites(collection: Collection<StoredRecord>) {
  const alone = async (write: TokenWrite) => {
    if (write.kind === 'replace') await collection.replaceOne({ _id: write.id }, write.record, { upsert: true });
    else await collection.updateOne({ _id: write.id }, { $set: { consumed: write.at } });
  };
  // At most 50 statements per command: FerretDB v1.24 never answers an update of 100 or more matching ones.
  return groupCommit<TokenWrite>(async (writes) => {
    if (writes.length === 1) return alone(writes[0] as TokenWrite);
    try {
      await collection.bulkWrite(writes.map(operation), { ordered: false });
      return;
    } catch {
      return Promise.all(
        writes.map((write) =>
          alone(write).then(
            () => undefined,
            (error: unknown) => error,
          ),
        ),
      );
    }
  }, 50);
}
