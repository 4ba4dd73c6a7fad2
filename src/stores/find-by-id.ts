import type { Document } from 'mongodb';
import type { Db } from './db.js';

/**
 * One document of a collection by `_id`, through a bare `find` command: for the reads on every token
 * request, the driver's cursor (findOne builds, runs and closes one) costs about half again as much CPU
 * as the command it sends. Same command, same answer; `null` when there is none.
 */
export async function findById<T extends Document>(db: Db, collection: string, id: string): Promise<T | null> {
  const driverDb = db.connection.db;
  if (!driverDb) throw new Error('the database connection is not open');
  const answer = await driverDb.command({ find: collection, filter: { _id: id }, limit: 1, singleBatch: true });
  const first = (answer as { cursor?: { firstBatch?: T[] } }).cursor?.firstBatch?.[0];
  return first ?? null;
}
