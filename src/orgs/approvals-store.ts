import { declareCollection } from '../stores/collections.js';
import type { Db } from '../stores/db.js';
import { type Page, type PageQuery, pageById } from '../stores/pagination.js';
import { approvalId } from './model.js';

export type ApprovalKind = 'client' | 'resource';

export interface Approval {
  _id: string;
  orgId: string;
  kind: ApprovalKind;
  ref: string;
  approvedBy: string;
  createdAt: Date;
}

/** An organization's approval of a client or resource server, `_id` = `${orgId}|${kind}|${ref}`. */
export const approvalsCollection = declareCollection({
  name: 'org_approvals',
  indexes: [{ key: { orgId: 1, kind: 1, _id: 1 } }],
  queries: ['{_id, orgId}', '{orgId, kind, _id: range?} sort {_id: 1}', '{orgId}'],
  unscopedQueries: [],
  shardKey: { orgId: 1, _id: 1 },
});

/** Approves (again: the approval is replaced, with its new approver and time). */
export async function saveApproval(db: Db, approval: Omit<Approval, '_id'>): Promise<void> {
  const { orgId, kind, ref } = approval;
  await db.approvals.replaceOne({ _id: approvalId(orgId, kind, ref), orgId }, approval, { upsert: true });
}

/** True when there was an approval to withdraw. */
export async function deleteApproval(db: Db, orgId: string, kind: ApprovalKind, ref: string): Promise<boolean> {
  const result = await db.approvals.deleteOne({ _id: approvalId(orgId, kind, ref), orgId });
  return result.deletedCount > 0;
}

export async function isApproved(db: Db, orgId: string, kind: ApprovalKind, ref: string): Promise<boolean> {
  return Boolean(await db.approvals.exists({ _id: approvalId(orgId, kind, ref), orgId }));
}

export function pageApprovalsOfOrganization(
  db: Db,
  orgId: string,
  kind: ApprovalKind,
  page: PageQuery,
): Promise<Page<Approval>> {
  return pageById<Approval>(db.approvals, { orgId, kind }, page);
}

/**
 * Removes every approval of the organization (deletion). One `deleteMany`: an organization approves
 * at most the clients and resource servers there are, far below FerretDB's per-statement limit.
 */
export async function deleteApprovalsOfOrganization(db: Db, orgId: string): Promise<number> {
  return (await db.approvals.deleteMany({ orgId })).deletedCount;
}
