import type { Collection, Document, Filter } from 'mongodb';

const BATCH = 2_000;

/**
 * `deleteMany` for filters that may match very many documents. FerretDB's SQLite backend deletes all
 * matches of one `deleteMany` in a single SQL statement with a variable per document, and SQLite
 * refuses statements of more than 32,766 variables, so past that a plain `deleteMany` always fails.
 * Here the matches are found `BATCH` at a time and deleted by `_id` (each an indexed lookup).
 */
export async function deleteInBatches<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  onBatch?: (deleted: number, ms: number) => void,
) {
  let deleted = 0;
  for (;;) {
    const started = performance.now();
    const ids = (
      await collection
        .find(filter, { projection: { _id: 1 } })
        .limit(BATCH)
        .toArray()
    ).map((d) => d._id);
    if (ids.length === 0) return deleted;
    const result = await collection.bulkWrite(
      ids.map((_id) => ({ deleteOne: { filter: { _id } as Filter<T> } })),
      { ordered: false },
    );
    deleted += result.deletedCount;
    onBatch?.(result.deletedCount, performance.now() - started);
    if (ids.length < BATCH) return deleted;
  }
}
