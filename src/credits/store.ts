import { declareCollection } from '../stores/collections.js';

/** The append-only ledger, `_id` = `${orgId}:${seq}` (seq zero-padded). */
export const creditEntriesCollection = declareCollection({
  name: 'credit_entries',
  indexes: [{ key: { orgId: 1, idempotencyKey: 1 }, unique: true }, { key: { orgId: 1, _id: -1 } }],
  queries: [
    '{_id, orgId}',
    '{orgId, kind?, userId?, keyId?, teamId?, clientId?, at: range?, _id: range?} sort {_id: -1}',
    '{orgId, kind, at: range?}',
    '{orgId, idempotencyKey}',
    '{orgId} sort {_id: 1}',
  ],
  unscopedQueries: [],
  shardKey: { orgId: 1, _id: 1 },
});

export const creditAccountsCollection = declareCollection({
  name: 'credit_accounts',
  indexes: [],
  queries: [],
  // `_id` is the organization's id.
  unscopedQueries: ['{_id}', '{_id, seq: range}'],
  shardKey: { _id: 1 },
});

export const creditIdempotencyCollection = declareCollection({
  name: 'credit_idempotency',
  indexes: [],
  queries: [],
  // `_id` = `${orgId}:${key}`.
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
});
