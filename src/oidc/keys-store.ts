import { declareCollection } from '../stores/collections.js';

/** Signing keys, `_id` starting with the creation time, so the newest sorts last. */
export const signingKeysCollection = declareCollection({
  name: 'signing_keys',
  indexes: [],
  queries: [],
  unscopedQueries: ['{} sort {_id: -1}', '{_id}'],
  shardKey: { _id: 1 },
});

/** Deployment-wide settings (cookie keys), by name. */
export const settingsCollection = declareCollection({
  name: 'settings',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}'],
  shardKey: { _id: 1 },
});
