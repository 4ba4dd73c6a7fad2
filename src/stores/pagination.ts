import type { Collection, Document } from 'mongodb';
import type { Model } from 'mongoose';
import { z } from 'zod';
import { InvalidError } from '../errors.js';

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').default(50),
  cursor: z.string().max(200).optional(),
});
export type PageQuery = z.output<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

const encode = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
function decode(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!id || encode(id) !== cursor) throw new InvalidError('cursor is not valid', { cursor: 'is not valid' });
  return id;
}

/**
 * Keyset pagination by `_id` (the one order every store serves fast): `ascending` for stable lists,
 * descending where ids start with the time (newest first). One extra row tells whether more follow.
 */
export async function pageById<T extends { _id: string }>(
  // biome-ignore lint/suspicious/noExplicitAny: any mongoose model, or a driver collection
  source: Model<any> | Collection<any>,
  filter: Record<string, unknown>,
  { limit, cursor }: PageQuery,
  order: 'ascending' | 'descending' = 'ascending',
): Promise<Page<T>> {
  const after = cursor ? decode(cursor) : undefined;
  const idFilter = after ? { _id: order === 'ascending' ? { $gt: after } : { $lt: after } } : {};
  const query: Record<string, unknown> = { ...filter, ...idFilter };
  const sort = { _id: order === 'ascending' ? 1 : -1 } as const;
  // A mongoose Model is a class; a driver collection is an object.
  const rows = (typeof source === 'function'
    ? await source
        .find(query)
        .sort(sort)
        .limit(limit + 1)
        .lean()
    : await (source as Collection<Document>)
        .find(query as Document)
        .sort(sort)
        .limit(limit + 1)
        .toArray()) as unknown as T[];
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encode(last._id) : null };
}
