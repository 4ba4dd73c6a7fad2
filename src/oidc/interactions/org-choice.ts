import type Provider from 'oidc-provider';
import { recordAudit } from '../../audit/service.js';
import type { Role } from '../../orgs/model.js';
import { listUserOrganizations } from '../../orgs/service.js';
import type { Db } from '../../stores/db.js';
import { findGrantIdForTriple, linkGrantToOrg } from '../grants-store.js';

export interface EligibleOrg {
  id: string;
  name: string;
  personal: boolean;
  role: Role;
}

/**
 * The organizations a person may authorize a client in: all of theirs, or, for a client owned by
 * an organization, that organization alone (empty when they are not a member of it).
 */
export async function eligibleOrganizations(db: Db, userId: string, clientOrgId?: unknown): Promise<EligibleOrg[]> {
  const memberships = await listUserOrganizations(db, userId);
  return memberships
    .filter((m) => typeof clientOrgId !== 'string' || m.organization._id === clientOrgId)
    .map((m) => ({
      id: m.organization._id,
      name: m.organization.name,
      personal: m.organization.personal,
      role: m.role,
    }));
}

export interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/**
 * Finds or creates THE grant of (person, client, organization) and adds what this request asks
 * for. Authorizing the same client in another organization therefore gives a separate grant.
 */
export async function issueOrgBoundGrant(
  provider: Provider,
  db: Db,
  { userId, clientId, orgId, details }: { userId: string; clientId: string; orgId: string; details: ConsentDetails },
): Promise<string> {
  const existingId = await findGrantIdForTriple(db, userId, clientId, orgId);
  const existing = existingId ? await provider.Grant.find(existingId) : undefined;
  const grant =
    existing && existing.accountId === userId && existing.clientId === clientId
      ? existing
      : new provider.Grant({ accountId: userId, clientId });
  if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  await linkGrantToOrg(db, { _id: grantId, orgId, userId, clientId });
  if (grant !== existing) {
    await recordAudit(db, {
      orgId,
      actor: { type: 'user', id: userId },
      action: 'grant.created',
      target: { type: 'grant', id: grantId },
      data: { clientId },
    });
  }
  return grantId;
}
