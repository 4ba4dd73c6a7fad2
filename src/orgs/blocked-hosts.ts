import { z } from 'zod';
import { InvalidError } from '../errors.js';
import { isMetadataDocumentClientId } from '../oidc/client-id-metadata/document-rules.js';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { parseInput } from '../validation.js';
import {
  deleteBlockedHost,
  findBlockedHost,
  pageBlockedHostsOfOrganization,
  saveBlockedHost,
} from './blocked-hosts-store.js';
import { getOrganization } from './service.js';

/** A DNS name (or IP address) as it appears in a client id URL, without scheme, port or path. */
export const blockedHostSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(253)
  .refine((host) => URL.parse(`https://${host}/`)?.hostname === host && !host.includes(':'), {
    message: 'must be a host name such as apps.example.com (no scheme, port or path)',
  });

export async function blockHost(db: Db, orgId: string, host: string, blockedBy: string) {
  const name = parseInput(blockedHostSchema, host);
  await getOrganization(db, orgId);
  const createdAt = new Date();
  await saveBlockedHost(db, { orgId, host: name, blockedBy, createdAt });
  return { host: name, blockedBy, createdAt: createdAt.toISOString() };
}

/** True when the host was blocked. */
export async function unblockHost(db: Db, orgId: string, host: string): Promise<boolean> {
  const name = blockedHostSchema.safeParse(host);
  if (!name.success) throw new InvalidError(`${host} is not a host name`);
  return deleteBlockedHost(db, orgId, name.data);
}

export async function listBlockedHosts(
  db: Db,
  orgId: string,
  page: PageQuery,
): Promise<Page<{ host: string; blockedBy: string; createdAt: string }>> {
  const result = await pageBlockedHostsOfOrganization(db, orgId, page);
  return {
    items: result.items.map((b) => ({ host: b.host, blockedBy: b.blockedBy, createdAt: b.createdAt.toISOString() })),
    nextCursor: result.nextCursor,
  };
}

/**
 * The blocked host a metadata-document client comes from, if the organization blocks it: the
 * client id's host or any domain above it (blocking `example.com` covers `apps.example.com`).
 */
export async function blockedDocumentHost(db: Db, orgId: string, clientId: string): Promise<string | undefined> {
  if (!isMetadataDocumentClientId(clientId)) return undefined;
  const hostname = URL.parse(clientId)?.hostname.toLowerCase();
  if (!hostname) return undefined;
  const labels = hostname.split('.');
  const candidates = labels.map((_label, i) => labels.slice(i).join('.')).filter((h) => h.length > 0);
  return findBlockedHost(db, orgId, candidates);
}
