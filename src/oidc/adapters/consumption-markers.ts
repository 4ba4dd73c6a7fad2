import type { Db } from '../../stores/db.js';
import { findByIds } from '../../stores/find-by-id.js';
import { groupedLookup } from '../../stores/grouped-lookup.js';
import type { StoredRecord } from './stored-record.js';

/**
 * Refresh tokens are consumed at every rotation. Rewriting the record for that is an update, FerretDB's
 * costliest statement (a lookup, then the whole document written again). So consumption is a small
 * record of its own beside the token's, `consumed:<id>`, inserted through the grouped token writes
 * together with the successor's record (same collection, same insert), and a find reads both in one
 * command, with the tokens other requests are reading at that moment. The marker carries the token's
 * grant and expiry, so revoking the grant or the expiry sweep removes it with the token. A record
 * consumed in place (before markers) still reads as consumed.
 */
export const MARKED_CONSUMPTION = new Set(['RefreshToken']);

const PREFIX = 'consumed:';
/** A marker's lifetime when its token was not read here first: the refresh-token lifetime (TTL in provider.ts). */
const FALLBACK_LIFETIME_MS = 30 * 24 * 3600 * 1000;
/** Tokens read and not yet consumed whose grant and expiry are kept for their marker. */
const REMEMBERED = 10_000;

type Known = Pick<StoredRecord, 'expiresAt' | 'grantId'>;

export function consumptionMarkers(db: Db, collection: string) {
  const recent = new Map<string, Known>();
  // Tokens of concurrent requests are read together: each with its marker, in one find.
  const lookup = groupedLookup<{ record?: StoredRecord; marker?: StoredRecord }>(async (ids) => {
    const found = await findByIds<StoredRecord>(db, collection, [...ids, ...ids.map((id) => `${PREFIX}${id}`)]);
    const byId = new Map<string, { record?: StoredRecord; marker?: StoredRecord }>();
    for (const doc of found) {
      const marked = doc._id.startsWith(PREFIX);
      const id = marked ? doc._id.slice(PREFIX.length) : doc._id;
      byId.set(id, { ...byId.get(id), [marked ? 'marker' : 'record']: doc });
    }
    return byId;
  }, 50);
  return {
    /** The token's record, consumed if its marker exists. Token values never contain ':', so none names a marker. */
    async find(id: string): Promise<StoredRecord | null> {
      if (id.includes(':')) return null;
      const { record, marker } = (await lookup(id)) ?? {};
      if (!record) return null;
      if (recent.size >= REMEMBERED) recent.delete(recent.keys().next().value as string);
      recent.set(id, { expiresAt: record.expiresAt, grantId: record.grantId });
      return marker && record.consumed === undefined ? { ...record, consumed: marker.consumed } : record;
    },

    /** The marker that records the token consumed at `at` (epoch seconds). */
    marker(id: string, at: number): { id: string; record: Omit<StoredRecord, '_id'> } {
      const known = recent.get(id);
      recent.delete(id);
      return {
        id: `${PREFIX}${id}`,
        record: {
          payload: '{}',
          consumed: at,
          expiresAt: known?.expiresAt ?? new Date(Date.now() + FALLBACK_LIFETIME_MS),
          ...(known?.grantId ? { grantId: known.grantId } : {}),
        },
      };
    },
  };
}
