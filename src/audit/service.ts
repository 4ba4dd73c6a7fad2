import { randomBytes } from 'node:crypto';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import type { AuditEventDoc } from './model.js';
import { insertAuditEvent, listAuditEventsOfOrganization } from './store.js';

export type ActorType = 'user' | 'api_key' | 'client' | 'platform' | 'system';
export interface Actor {
  type: ActorType;
  id: string;
  /** For an API key: the person it acts for, recorded with the entry (the key may be gone later). */
  onBehalfOf?: string | undefined;
}

export interface AuditEntry {
  orgId: string;
  actor: Actor;
  action: string;
  target: { type: string; id: string };
  requestId?: string | undefined;
  data?: Record<string, unknown>;
}

/** Time-first ids: `evt_` + milliseconds in base 36 (fixed width) + randomness. */
const eventId = (at: number) => `evt_${at.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  const at = Date.now();
  await insertAuditEvent(db, {
    _id: eventId(at),
    orgId: entry.orgId,
    at: new Date(at),
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    actorUserId: entry.actor.onBehalfOf ?? null,
    action: entry.action,
    targetType: entry.target.type,
    targetId: entry.target.id,
    requestId: entry.requestId ?? null,
    data: entry.data ?? {},
  });
}

export function presentAuditEvent(doc: AuditEventDoc) {
  return {
    id: doc._id,
    at: doc.at.toISOString(),
    actor: { type: doc.actorType, id: doc.actorId, userId: doc.actorUserId ?? null },
    action: doc.action,
    target: { type: doc.targetType, id: doc.targetId },
    requestId: doc.requestId ?? null,
    data: (doc.data ?? {}) as Record<string, unknown>,
  };
}

/** An organization's audit log, newest first. */
export async function listAudit(
  db: Db,
  orgId: string,
  page: PageQuery,
  filter: { action?: string | undefined } = {},
): Promise<Page<ReturnType<typeof presentAuditEvent>>> {
  const result = await listAuditEventsOfOrganization(db, orgId, filter, page);
  return { items: result.items.map(presentAuditEvent), nextCursor: result.nextCursor };
}
