import { CATALOG } from './catalog.js';
import { openCollection } from './collections.js';
import type { Db } from './db.js';
import { deleteInBatches } from './delete-in-batches.js';

/**
 * Deletes expired records of every collection declared with a TTL index, in every organization
 * (MongoDB's TTL monitor does the same; FerretDB has none). Batches go through the `expiresAt`
 * index and delete by `_id`, so each is bounded and a sweep cut short by a crash simply goes on
 * at the next run. Reads ignore expired records anyway.
 */
export async function sweepExpiredAcrossOrganizations(
  db: Db,
  now = new Date(),
  onBatch?: (collection: string, deleted: number, ms: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  let deleted = 0;
  for (const declaration of CATALOG.filter((c) => c.indexes.some((index) => index.ttl))) {
    deleted += await deleteInBatches(
      openCollection(db, declaration),
      { expiresAt: { $lte: now } },
      onBatch && ((count, ms) => onBatch(declaration.name, count, ms)),
      signal,
    );
  }
  return deleted;
}
