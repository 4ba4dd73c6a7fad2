import type Provider from 'oidc-provider';
import { deleteMemberApiKeys } from '../apikeys/service.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { deleteClientCredentialsTokens } from '../oidc/adapters/issued-token-store.js';
import { type GrantOrg, grantsOfClientAcrossOrganizations, grantsOfMember, unlinkGrant } from '../oidc/grants-store.js';
import { getOrgClient } from '../oidc/org-clients.js';
import { countOwners, deleteMembership } from '../orgs/members-store.js';
import { getMembership } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { withMembersLock } from '../stores/lock.js';
import type { RevocationPublisher } from './publisher.js';

interface RevocableModel {
  adapter: { revokeByGrantId(grantId: string): Promise<void>; destroy(id: string): Promise<void> };
}

const model = (provider: Provider, name: string) => (provider as unknown as Record<string, RevocableModel>)[name];

/**
 * Revokes one grant and every token and code issued from it (what oidc-provider does on
 * revocation). Tokens are found through their `grantId` index, so the cost does not grow with the
 * number of tokens stored.
 */
export async function revokeGrantTokens(provider: Provider, grantId: string): Promise<void> {
  await Promise.all(
    ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest'].map((name) =>
      model(provider, name)?.adapter.revokeByGrantId(grantId),
    ),
  );
  await model(provider, 'Grant')?.adapter.destroy(grantId);
}

/** Revokes a grant with its tokens, then forgets its organization. Safe to run again after a crash. */
export async function revokeGrant(provider: Provider, db: Db, link: GrantOrg): Promise<void> {
  await revokeGrantTokens(provider, link._id);
  await unlinkGrant(db, link);
}

const PARALLEL_REVOCATIONS = 8;

/** Revokes grants a few at a time (a client may have thousands). */
export async function revokeGrants(provider: Provider, db: Db, links: GrantOrg[]): Promise<void> {
  for (let i = 0; i < links.length; i += PARALLEL_REVOCATIONS) {
    await Promise.all(links.slice(i, i + PARALLEL_REVOCATIONS).map((link) => revokeGrant(provider, db, link)));
  }
}

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
    if (membership.role === 'owner' && (await countOwners(db, orgId)) <= 1) {
      throw new ConflictError('the last owner of an organization cannot be removed');
    }
    await deleteMembership(db, orgId, userId);
  });
  const at = Date.now();
  await deleteMemberApiKeys(db, orgId, userId);
  await revokeGrants(provider, db, await grantsOfMember(db, orgId, userId));
  await publisher.publish({ kind: 'member', sub: userId, orgId, at });
}

/** Deletes a client the organization owns, its grants and tokens (another organization's client is not found). */
export async function deleteOrgClient(
  provider: Provider,
  db: Db,
  publisher: RevocationPublisher,
  orgId: string,
  clientId: string,
): Promise<void> {
  await getOrgClient(provider, orgId, clientId);
  await removeClient(provider, db, publisher, clientId);
}

/** Deletes any client, whichever organization owns it or none (operators: `orgauth client delete`). */
export async function deleteClientAcrossOrganizations(
  provider: Provider,
  db: Db,
  publisher: RevocationPublisher,
  clientId: string,
): Promise<void> {
  if (!(await provider.Client.find(clientId))) throw new NotFoundError(`client ${clientId} does not exist`);
  await removeClient(provider, db, publisher, clientId);
}

/** The client first (no new tokens), then its grants in every organization and its tokens; middlewares refuse them within seconds. */
async function removeClient(provider: Provider, db: Db, publisher: RevocationPublisher, clientId: string) {
  const at = Date.now();
  await model(provider, 'Client')?.adapter.destroy(clientId);
  await revokeGrants(provider, db, await grantsOfClientAcrossOrganizations(db, clientId));
  await deleteClientCredentialsTokens(db, clientId);
  await publisher.publish({ kind: 'client', clientId, at });
}
