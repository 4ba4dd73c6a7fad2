import type { Collection, Document, Filter } from 'mongodb';

const BATCH = 500;

/**
 * `deleteMany` for filters that may match very many documents, in bounded steps: up to `BATCH`
 * matches are found through the filter's index, then deleted with one `deleteMany` by their `_id`s
 * (only `_id`: with the filter repeated, SQLite may walk the filter's index over every match instead
 * of seeking the ids). The filters used here select records that do not change in between (tokens of
 * a grant, an organization's rows, records already expired, which no read returns).
 * FerretDB's SQLite backend deletes all matches of one `deleteMany` in a single SQL statement with a
 * variable per document and refuses more than 32,766, so an unbounded `deleteMany` fails there; each
 * step here is short, and a run cut short by a crash (or stopped through `signal`, between batches)
 * simply continues at the next one.
 */
export async function deleteInBatches<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  onBatch?: (deleted: number, ms: number) => void,
  signal?: AbortSignal,
) {
  let deleted = 0;
  while (!signal?.aborted) {
    const started = performance.now();
    const ids = (
      await collection
        .find(filter, { projection: { _id: 1 } })
        .limit(BATCH)
        .toArray()
    ).map((d) => d._id);
    if (ids.length === 0) return deleted;
    const result = await collection.deleteMany({ _id: { $in: ids } } as Filter<T>);
    deleted += result.deletedCount;
    onBatch?.(result.deletedCount, performance.now() - started);
    if (ids.length < BATCH) return deleted;
  }
  return deleted;
}
