import type { Collection, Document } from 'mongodb';
import type { Db } from './db.js';
import type { IndexKey } from './index-plan.js';

/**
 * What a store says about its collection: the indexes it needs, every query shape it issues (as
 * `shapeText` prints them; test/stores/query-shapes.test.ts checks the suite's queries against
 * them), and the shard key for a sharded MongoDB cluster.
 */
export interface CollectionDeclaration {
  name: string;
  /** Secondary indexes; `{_id: 1}` always exists. */
  indexes: Array<{
    key: IndexKey;
    unique?: boolean;
    /** On MongoDB also a TTL index (documents go at `expiresAt`); FerretDB refuses TTL, sweeps purge there. */
    ttl?: boolean;
  }>;
  /**
   * Shapes that name the organization (`orgId` in the filter). A field marked `?` may be absent,
   * e.g. `{orgId, _id: range?} sort {_id: 1}` covers the first page and the next ones.
   */
  queries: string[];
  /** Shapes that do not name an organization: lookups by an id that embeds or finds it, sweeps, platform lists. */
  unscopedQueries: string[];
  /** Organization-scoped collections shard by `orgId` (or an `_id` that starts with it). */
  shardKey: IndexKey;
  /**
   * Shapes on the hot paths (token, introspection, debit, API-key checks): each must name the whole
   * shard key with equalities, so a sharded cluster sends it to one shard (checked by a test).
   */
  hot?: string[];
  /** Why the shard key was chosen, for docs/deploy.md. */
  shardNote?: string;
}

export const declareCollection = (declaration: CollectionDeclaration) => declaration;

/** The one place raw driver collections are opened; stores call it with their own declaration. */
export function openCollection<T extends Document>(db: Db, declaration: CollectionDeclaration): Collection<T> {
  return db.connection.collection<T>(declaration.name);
}

/** What `deleteInBatches` sends after finding a batch through its filter: declare it where a store uses it. */
export const BATCH_DELETE = '{_id: in}';
