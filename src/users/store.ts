import { declareCollection } from '../stores/collections.js';

export const usersCollection = declareCollection({
  name: 'users',
  indexes: [{ key: { emailKey: 1 }, unique: true }],
  queries: [],
  unscopedQueries: ['{_id}', '{_id: in}'],
  shardKey: { _id: 1 },
});

/** The unique claim of an email address, `_id` = the normalized address. */
export const userEmailsCollection = declareCollection({
  name: 'user_emails',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}', '{_id, userId}'],
  shardKey: { _id: 1 },
});
