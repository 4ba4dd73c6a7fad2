import type { Db } from '../stores/db.js';
import { isDuplicateKeyError } from '../stores/db.js';

/**
 * The link between an oidc-provider grant and the one organization it was authorized in.
 * oidc-provider's models keep an allow-list of fields, so the organization lives beside the grant,
 * keyed by grant id (`grant_orgs`), plus a (person, client, organization) index that finds the one
 * grant of that triple (`grant_triples`). Both are looked up by `_id` only.
 */
export interface GrantOrg {
  _id: string;
  orgId: string;
  userId: string;
  clientId: string;
  createdAt: Date;
  /** When a token was last issued from the grant (connected apps show it). */
  lastUsedAt?: Date | null;
}

export const grantOrgs = (db: Db) => db.connection.collection<GrantOrg>('grant_orgs');
const grantTriples = (db: Db) => db.connection.collection<{ _id: string; grantId: string }>('grant_triples');

export const tripleKey = (userId: string, clientId: string, orgId: string) => JSON.stringify([userId, clientId, orgId]);

export async function findGrantOrg(db: Db, grantId: string): Promise<GrantOrg | null> {
  return grantOrgs(db).findOne({ _id: grantId });
}

export async function findGrantIdForTriple(
  db: Db,
  userId: string,
  clientId: string,
  orgId: string,
): Promise<string | undefined> {
  return (await grantTriples(db).findOne({ _id: tripleKey(userId, clientId, orgId) }))?.grantId;
}

/**
 * Records a grant's organization. The grant_orgs row is written first: a grant is only ever used
 * through its id, so a crash before the triple row leaves a usable grant that the next consent
 * simply does not reuse (it creates a fresh one and repoints the triple).
 */
export async function linkGrantToOrg(db: Db, link: Omit<GrantOrg, 'createdAt'>): Promise<void> {
  try {
    await grantOrgs(db).insertOne({ ...link, createdAt: new Date() });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await findGrantOrg(db, link._id);
    if (existing?.orgId !== link.orgId) throw new Error('grant is already bound to another organization');
  }
  await grantTriples(db).replaceOne(
    { _id: tripleKey(link.userId, link.clientId, link.orgId) },
    { grantId: link._id },
    { upsert: true },
  );
}

export async function touchGrant(db: Db, grantId: string): Promise<void> {
  await grantOrgs(db).updateOne({ _id: grantId }, { $set: { lastUsedAt: new Date() } });
}

export async function unlinkGrant(db: Db, grantId: string): Promise<void> {
  const link = await findGrantOrg(db, grantId);
  if (!link) return;
  await grantTriples(db).deleteOne({ _id: tripleKey(link.userId, link.clientId, link.orgId), grantId });
  await grantOrgs(db).deleteOne({ _id: grantId });
}
