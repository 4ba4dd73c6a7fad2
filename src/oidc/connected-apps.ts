import type Provider from 'oidc-provider';
import { NotFoundError } from '../errors.js';
import type { RevocationPublisher } from '../revocation/publisher.js';
import { revokeGrant } from '../revocation/service.js';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import type { AdapterPayload } from './adapters/types.js';
import { findClientsMetadata } from './clients-store.js';
import { findGrantOfOrganization, findGrantPayloads, type GrantOrg, pageGrantsOfOrganization } from './grants-store.js';

export interface ConnectedApp {
  grantId: string;
  userId: string;
  clientId: string;
  clientName: string | null;
  scopes: string[];
  resources: Record<string, string[]>;
  createdAt: string;
  lastUsedAt: string | null;
}

function present(link: GrantOrg, grant: AdapterPayload | undefined, client: AdapterPayload | undefined): ConnectedApp {
  const resources = Object.fromEntries(
    Object.entries((grant?.resources ?? {}) as Record<string, string>).map(([uri, scope]) => [
      uri,
      scope.split(' ').filter(Boolean),
    ]),
  );
  return {
    grantId: link._id,
    userId: link.userId,
    clientId: link.clientId,
    clientName: (client?.client_name as string | undefined) ?? null,
    scopes: String((grant?.openid as { scope?: string } | undefined)?.scope ?? '')
      .split(' ')
      .filter(Boolean),
    resources,
    createdAt: link.createdAt.toISOString(),
    lastUsedAt: link.lastUsedAt?.toISOString() ?? null,
  };
}

/** Every grant in an organization, or one person's (members see their own). */
export async function listConnectedApps(
  db: Db,
  orgId: string,
  filter: { userId?: string | undefined },
  page: PageQuery,
): Promise<Page<ConnectedApp>> {
  const result = await pageGrantsOfOrganization(db, orgId, filter, page);
  // One read for the page's grants and one for their clients, not two per row.
  const [grants, clients] = await Promise.all([
    findGrantPayloads(
      db,
      result.items.map((link) => link._id),
    ),
    findClientsMetadata(
      db,
      result.items.map((link) => link.clientId),
    ),
  ]);
  return {
    items: result.items.map((link) => present(link, grants.get(link._id), clients.get(link.clientId))),
    nextCursor: result.nextCursor,
  };
}

/** Revokes a grant of the organization with all its tokens; middlewares refuse its JWTs within seconds. */
export async function revokeConnectedApp(
  provider: Provider,
  db: Db,
  publisher: RevocationPublisher,
  orgId: string,
  grantId: string,
  onlyOfUser?: string,
): Promise<GrantOrg> {
  const link = await findGrantOfOrganization(db, orgId, grantId);
  if (!link || (onlyOfUser && link.userId !== onlyOfUser)) throw new NotFoundError(`grant ${grantId} does not exist`);
  const at = Date.now();
  await revokeGrant(provider, db, link);
  await publisher.publish({ kind: 'grant', sub: link.userId, clientId: link.clientId, orgId, at });
  return link;
}
