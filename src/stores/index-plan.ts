import type { QueryShape } from './query-shape.js';

export type IndexKey = Record<string, 1 | -1>;

const ID_INDEX: IndexKey = { _id: 1 };

/**
 * Whether MongoDB can answer a query shape from this index without reading the collection: the
 * index's leading fields are matched by equality (or `$in`) and then by at most one range, and a
 * sort, if any, follows the equality prefix in the index's order (or exactly reversed). Other
 * filter fields are checked on the few documents the index yields.
 */
export function indexServes(index: IndexKey, shape: Pick<QueryShape, 'filter' | 'sort'>): boolean {
  const keys = Object.entries(index);
  const use = new Map(shape.filter);
  let equalityPrefix = 0;
  while (equalityPrefix < keys.length) {
    const fieldUse = use.get(keys[equalityPrefix]?.[0] ?? '');
    if (fieldUse !== 'eq' && fieldUse !== 'in') break;
    equalityPrefix++;
  }
  const next = keys[equalityPrefix];
  const narrows = equalityPrefix > 0 || (next !== undefined && use.get(next[0]) === 'range');
  if (!shape.sort.length) return narrows;
  // A sort after an `$in` needs a merge of several index ranges; count it as served only after equalities.
  const orderedPrefix = keys.slice(0, equalityPrefix).every(([field]) => use.get(field) === 'eq');
  if (!orderedPrefix) return false;
  const rest = keys.slice(equalityPrefix);
  if (shape.sort.length > rest.length) return false;
  const sameOrder = shape.sort.every(([field, dir], i) => rest[i]?.[0] === field && rest[i]?.[1] === dir);
  const reversed = shape.sort.every(([field, dir], i) => rest[i]?.[0] === field && rest[i]?.[1] === -dir);
  // Sorting the whole collection by an index with no filter reads it in order: served only with a limit,
  // which the shape does not carry; list queries always filter.
  return (sameOrder || reversed) && (narrows || shape.filter.length === 0);
}

/** The first declared index (or `_id`'s) that serves the shape, if any. */
export function servingIndex(indexes: IndexKey[], shape: Pick<QueryShape, 'filter' | 'sort'>): IndexKey | undefined {
  return [ID_INDEX, ...indexes].find((index) => indexServes(index, shape));
}
