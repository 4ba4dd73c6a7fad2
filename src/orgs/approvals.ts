import { z } from 'zod';
import { resolveResource } from '../resources/service.js';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { parseInput } from '../validation.js';
import {
  type ApprovalKind,
  deleteApproval,
  isApproved,
  pageApprovalsOfOrganization,
  saveApproval,
} from './approvals-store.js';
import { blockedDocumentHost } from './blocked-hosts.js';
import { updateOrganizationRecord } from './organizations-store.js';
import { getOrganization } from './service.js';

export const policySchema = z
  .object({
    clientPolicy: z.enum(['any', 'approved'], { error: 'must be any or approved' }).optional(),
    resourcePolicy: z.enum(['any', 'approved'], { error: 'must be any or approved' }).optional(),
  })
  .strict();
export type PolicyInput = z.input<typeof policySchema>;
export type { ApprovalKind };

export async function setAppPolicy(db: Db, orgId: string, input: PolicyInput) {
  const data = parseInput(policySchema, input);
  const org = await getOrganization(db, orgId);
  const next = {
    clientPolicy: data.clientPolicy ?? org.clientPolicy ?? 'any',
    resourcePolicy: data.resourcePolicy ?? org.resourcePolicy ?? 'any',
  };
  await updateOrganizationRecord(db, orgId, next, new Date());
  return next;
}

export async function approve(db: Db, orgId: string, kind: ApprovalKind, ref: string, approvedBy: string) {
  await getOrganization(db, orgId);
  const doc = { orgId, kind, ref, approvedBy, createdAt: new Date() };
  await saveApproval(db, doc);
  return { kind, ref, approvedBy, createdAt: doc.createdAt.toISOString() };
}

/** True when there was an approval to withdraw. */
export async function withdrawApproval(db: Db, orgId: string, kind: ApprovalKind, ref: string): Promise<boolean> {
  return deleteApproval(db, orgId, kind, ref);
}

export async function listApprovals(
  db: Db,
  orgId: string,
  kind: ApprovalKind,
  page: PageQuery,
): Promise<Page<{ ref: string; approvedBy: string; createdAt: string }>> {
  const result = await pageApprovalsOfOrganization(db, orgId, kind, page);
  return {
    items: result.items.map((a) => ({ ref: a.ref, approvedBy: a.approvedBy, createdAt: a.createdAt.toISOString() })),
    nextCursor: result.nextCursor,
  };
}

/**
 * Whether an app may be authorized in an organization: its own clients and resources always; a
 * third-party client or another's resource only when the organization allows any or approved it;
 * never a client whose metadata document lives on a host the organization blocks.
 * Returns the reason it may not, in words for the person at the consent page.
 */
export async function appRefusal(
  db: Db,
  orgId: string,
  {
    clientId,
    clientName,
    clientOrgId,
    resources,
  }: {
    clientId: string;
    clientName: string;
    clientOrgId: unknown;
    resources: string[];
  },
): Promise<string | undefined> {
  const org = await getOrganization(db, orgId);
  const approved = (kind: ApprovalKind, ref: string) => isApproved(db, orgId, kind, ref);
  const blockedHost = await blockedDocumentHost(db, orgId, clientId);
  if (blockedHost) {
    return `${org.name} does not allow apps published on ${blockedHost}, and ${clientName} is one of them. Choose another organization, or ask an administrator of ${org.name}.`;
  }
  if (org.clientPolicy === 'approved' && clientOrgId !== orgId && !(await approved('client', clientId))) {
    return `${org.name} allows only approved apps, and ${clientName} is not approved yet. Ask an administrator of ${org.name} to approve it, or choose another organization.`;
  }
  if (org.resourcePolicy === 'approved') {
    for (const uri of resources) {
      // A URL under a registered base is approved through the base (or by itself).
      const resolved = await resolveResource(db, uri);
      if (resolved?.server.orgId === orgId) continue;
      const base = resolved?.server._id;
      if (!(await approved('resource', uri)) && !(base && base !== uri && (await approved('resource', base)))) {
        return `${org.name} allows only approved servers, and ${uri} is not approved yet. Ask an administrator of ${org.name} to approve it.`;
      }
    }
  }
  return undefined;
}
