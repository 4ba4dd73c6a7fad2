import { resolveResource } from '../../resources/service.js';
import type { Db } from '../../stores/db.js';

/** The resource indicators of an authorization request, as oidc-provider keeps them (one or several). */
export function requestedResources(params: Record<string, unknown>): string[] {
  return [params.resource ?? []].flat().filter((r): r is string => typeof r === 'string');
}

/**
 * The organization the requested resources name, when one of them is a per-organization URL (its
 * server's `orgPath`): the person added that URL to their app, so it decides the organization.
 * `conflict` when they name different organizations.
 */
export type NamedOrganization = { orgId: string } | { conflict: string[] } | undefined;

export async function organizationNamedByResources(db: Db, resources: string[]): Promise<NamedOrganization> {
  const named = new Set<string>();
  for (const uri of resources) {
    const resolved = await resolveResource(db, uri);
    if (resolved?.urlOrgId) named.add(resolved.urlOrgId);
  }
  if (named.size > 1) return { conflict: [...named] };
  const [orgId] = named;
  return orgId ? { orgId } : undefined;
}
