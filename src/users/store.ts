import { declareCollection, openCollection } from '../stores/collections.js';
import { type Db, isDuplicateKeyError } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { cachedRead, forgetCached } from '../stores/read-cache.js';
import type { UserDoc, UserEmailDoc } from './model.js';

export type UserRecord = UserDoc & { _id: string };
export type EmailClaim = UserEmailDoc & { _id: string };

/** People belong to no one organization: they are found by their own id (or through their email's claim). */
export const usersCollection = declareCollection({
  name: 'users',
  // An address belongs to one person through its claim in user_emails (unique `_id`), not an index here.
  indexes: [],
  queries: [],
  // Operators' list of every person (`orgauth user list`).
  unscopedQueries: ['{_id}', '{_id: in}', '{_id: range?} sort {_id: 1}'],
  shardKey: { _id: 1 },
  hot: ['{_id}'],
});

/** The unique claim of an email address, `_id` = the normalized address. */
export const userEmailsCollection = declareCollection({
  name: 'user_emails',
  indexes: [],
  queries: [],
  unscopedQueries: ['{_id}', '{_id, userId}'],
  shardKey: { _id: 1 },
});

const users = (db: Db) => openCollection<UserRecord>(db, usersCollection);
const CACHE = usersCollection.name;

/** False when the user already exists (its `_id`); the email's uniqueness is its claim's. */
export async function insertUser(db: Db, user: UserRecord): Promise<boolean> {
  try {
    await db.users.create(user);
    forgetCached(db, CACHE, user._id);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/** The whole record, password hash included: callers present it without. Read from memory on the hot paths. */
export async function findUserRecord(db: Db, userId: string): Promise<UserRecord | null> {
  return cachedRead(db, CACHE, userId, () => users(db).findOne({ _id: userId }));
}

export async function userExists(db: Db, userId: string): Promise<boolean> {
  return Boolean(await db.users.exists({ _id: userId }));
}

/** Email and name of each of these people (a page of members), by id. */
export async function findUserContacts(
  db: Db,
  userIds: string[],
): Promise<Array<{ _id: string; email: string; name: string }>> {
  if (!userIds.length) return [];
  return db.users
    .find({ _id: { $in: userIds } }, { email: 1, name: 1 })
    .lean<Array<{ _id: string; email: string; name: string }>>();
}

/** Applies the changes and returns the updated record, or null when there is no such person. */
export async function updateUserRecord(
  db: Db,
  userId: string,
  changes: Partial<Pick<UserRecord, 'name' | 'passwordHash' | 'platformAdmin'>>,
): Promise<UserRecord | null> {
  try {
    return await db.users
      .findOneAndUpdate({ _id: userId }, { $set: changes }, { returnDocument: 'after' })
      .lean<UserRecord>();
  } finally {
    forgetCached(db, CACHE, userId);
  }
}

/** False when the address is already claimed. */
export async function insertEmailClaim(db: Db, key: string, userId: string): Promise<boolean> {
  try {
    await db.userEmails.create({ _id: key, userId, createdAt: new Date() });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

export async function findEmailClaim(db: Db, key: string): Promise<EmailClaim | null> {
  return db.userEmails.findOne({ _id: key }).lean<EmailClaim>();
}

/** Releases the claim only if it still belongs to `userId` (another sign-up may have taken it over). */
export async function deleteEmailClaim(db: Db, key: string, userId: string): Promise<void> {
  await db.userEmails.deleteOne({ _id: key, userId });
}

/** Operators: every person, page by page (email, name and when they joined; never the password hash). */
export async function pageUsersOfPlatform(
  db: Db,
  page: PageQuery,
): Promise<Page<{ _id: string; email: string; name: string; createdAt?: Date; platformAdmin?: boolean }>> {
  const result = await pageById<UserRecord>(users(db), {}, page);
  return {
    items: result.items.map(({ _id, email, name, createdAt, platformAdmin }) => ({
      _id,
      email,
      name,
      createdAt,
      platformAdmin,
    })),
    nextCursor: result.nextCursor,
  };
}
