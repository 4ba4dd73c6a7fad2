import type Provider from 'oidc-provider';
import { deleteMemberApiKeys } from '../apikeys/service.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { membershipId } from '../orgs/model.js';
import { getMembership } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { deleteInBatches } from '../stores/delete-in-batches.js';
import { withMembersLock } from '../stores/lock.js';
import type { RevocationPublisher } from './publisher.js';

interface RevocableModel {
  adapter: { revokeByGrantId(grantId: string): Promise<void>; destroy(id: string): Promise<void> };
}

const model = (provider: Provider, name: string) => (provider as unknown as Record<string, RevocableModel>)[name];

/** Revokes one grant and every token and code issued from it (what oidc-provider does on revocation). */
export async function revokeGrantTokens(provider: Provider, grantId: string): Promise<void> {
  await Promise.all(
    ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode'].map((name) =>
      model(provider, name)?.adapter.revokeByGrantId(grantId),
    ),
  );
  await model(provider, 'Grant')?.adapter.destroy(grantId);
}

const grantOrgs = (db: Db) =>
  db.connection.collection<{ _id: string; orgId: string; userId: string; clientId: string }>('grant_orgs');

/**
 * Removes a person from an organization and revokes, at once, every grant and token they hold in
 * it, and their API keys there; resource middlewares are told within seconds. The last owner
 * cannot be removed.
 */
export async function removeMember(
  provider: Provider,
  db: Db,
  publisher: RevocationPublisher,
  orgId: string,
  userId: string,
): Promise<void> {
  await withMembersLock(db, orgId, async () => {
    const membership = await getMembership(db, orgId, userId);
    if (!membership) throw new NotFoundError('this person is not a member of the organization');
    if (membership.role === 'owner' && (await db.memberships.countDocuments({ orgId, role: 'owner' })) <= 1) {
      throw new ConflictError('the last owner of an organization cannot be removed');
    }
    await db.memberships.deleteOne({ _id: membershipId(orgId, userId) });
  });
  const at = Date.now();
  await deleteMemberApiKeys(db, orgId, userId);
  const grants = await grantOrgs(db).find({ orgId, userId }).toArray();
  await Promise.all(grants.map((grant) => revokeGrantTokens(provider, grant._id)));
  await publisher.publish({ kind: 'member', sub: userId, orgId, at });
}

/** Deletes a client, its grants and tokens; resource middlewares refuse its tokens within seconds. */
export async function deleteClient(
  provider: Provider,
  db: Db,
  publisher: RevocationPublisher,
  clientId: string,
): Promise<void> {
  if (!(await provider.Client.find(clientId))) throw new NotFoundError(`client ${clientId} does not exist`);
  const at = Date.now();
  await model(provider, 'Client')?.adapter.destroy(clientId);
  const grants = await grantOrgs(db).find({ clientId }).toArray();
  await Promise.all(grants.map((grant) => revokeGrantTokens(provider, grant._id)));
  await deleteInBatches(db.connection.collection('oidc_ClientCredentials'), { clientId });
  await publisher.publish({ kind: 'client', clientId, at });
}
