import { z } from 'zod';
import { ConflictError, InvalidError, NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { createPersonalOrganization } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { parseInput } from '../validation.js';
import { decoyPasswordHash, hashPassword, verifyPassword } from './password.js';
import { emailKey, nameSchema, passwordSchema, type SignUpInput, signUpSchema } from './schema.js';
import {
  deleteEmailClaim,
  findEmailClaim,
  findUserRecord,
  insertEmailClaim,
  insertUser,
  type UserRecord,
  updateUserRecord,
  userExists,
} from './store.js';

export type User = Omit<UserRecord, 'passwordHash'>;

/** An email claim whose user never appeared (a crash mid sign-up) may be taken over after this. */
const STALE_CLAIM_MS = 60_000;

function present(doc: UserRecord): User {
  const { passwordHash: _omit, ...user } = doc;
  return user;
}

/**
 * Signs a person up: claims the email (unique by `_id`), creates their personal organization with
 * them as owner, then writes the user. The user document is written last, so an existing user
 * always has a personal organization; a crash before it leaves only a claim that expires.
 */
export async function signUp(db: Db, input: SignUpInput): Promise<User> {
  const { email, password, name } = parseInput(signUpSchema, input);
  const key = emailKey(email);
  const passwordHash = await hashPassword(password);
  const userId = newId('usr');
  await claimEmail(db, key, userId);
  const now = new Date();
  const personalOrg = await createPersonalOrganization(db, { userId, displayName: name || email, now });
  const user = {
    _id: userId,
    email,
    emailKey: key,
    name: name ?? '',
    passwordHash,
    personalOrgId: personalOrg._id,
    platformAdmin: false,
    createdAt: now,
  };
  if (!(await insertUser(db, user))) throw new ConflictError('an account with this email already exists');
  return present(user);
}

async function claimEmail(db: Db, key: string, userId: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await insertEmailClaim(db, key, userId)) return;
    const claim = await findEmailClaim(db, key);
    if (!claim) continue;
    const owner = await userExists(db, claim.userId);
    const stale = !owner && Date.now() - claim.createdAt.getTime() > STALE_CLAIM_MS;
    if (!stale) break;
    await deleteEmailClaim(db, key, claim.userId);
  }
  throw new ConflictError('an account with this email already exists');
}

export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const claim = await findEmailClaim(db, emailKey(email));
  if (!claim) return null;
  const user = await findUserRecord(db, claim.userId);
  return user ? present(user) : null;
}

export async function findUserById(db: Db, userId: string): Promise<User | null> {
  const user = await findUserRecord(db, userId);
  return user ? present(user) : null;
}

/** Checks a password; the same argon2 work is done whether or not the account exists. */
export async function authenticate(db: Db, email: string, password: string): Promise<User | null> {
  const claim = await findEmailClaim(db, emailKey(email));
  const user = claim ? await findUserRecord(db, claim.userId) : null;
  if (!user) {
    await verifyPassword(await decoyPasswordHash(), password);
    return null;
  }
  return (await verifyPassword(user.passwordHash, password)) ? present(user) : null;
}

/** Updates a person's display name. */
export async function renameUser(db: Db, userId: string, name: string): Promise<User> {
  const parsed = parseInput(z.object({ name: nameSchema }), { name });
  const user = await updateUserRecord(db, userId, { name: parsed.name });
  if (!user) throw new NotFoundError('no such person');
  return present(user);
}

/** Changes a password after checking the current one. */
export async function changePassword(db: Db, userId: string, current: string, next: string): Promise<void> {
  const parsed = parseInput(z.object({ newPassword: passwordSchema }), { newPassword: next });
  const user = await findUserRecord(db, userId);
  if (!user) throw new NotFoundError('no such person');
  if (!(await verifyPassword(user.passwordHash, current))) {
    throw new InvalidError('the current password is not correct', { currentPassword: 'is not correct' });
  }
  await updateUserRecord(db, userId, { passwordHash: await hashPassword(parsed.newPassword) });
}

/** Makes a person an operator of the deployment (or takes it back). */
export async function setPlatformAdmin(db: Db, email: string, platformAdmin: boolean): Promise<User> {
  const found = await findUserByEmail(db, email);
  if (!found) throw new NotFoundError(`no account with the email ${email}`);
  const user = await updateUserRecord(db, found._id, { platformAdmin });
  if (!user) throw new NotFoundError(`no account with the email ${email}`);
  return present(user);
}
