import { z } from 'zod';
import { ConflictError, NotFoundError } from '../errors.js';
import { getOrganization } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { isDuplicateKeyError } from '../stores/db.js';
import { type PageQuery, pageById } from '../stores/pagination.js';
import { parseInput } from '../validation.js';
import type { ResourceServerDoc } from './model.js';

const scopeToken = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const createResourceServerSchema = z.object({
  uri: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
    .refine((u) => !u.includes('#'), 'must not contain a fragment'),
  scopes: z.array(z.string().regex(scopeToken, 'contains an invalid scope')).max(100).default([]),
  orgId: z.string().optional(),
  format: z.enum(['jwt', 'opaque'], { error: 'must be jwt or opaque' }).default('jwt'),
  accessTokenTtl: z.coerce.number().int().min(60).max(86_400).default(3600),
});
export type CreateResourceServerInput = z.input<typeof createResourceServerSchema>;

export async function createResourceServer(db: Db, input: CreateResourceServerInput): Promise<ResourceServerDoc> {
  const data = parseInput(createResourceServerSchema, input);
  if (data.orgId) await getOrganization(db, data.orgId);
  const doc = {
    _id: data.uri,
    scopes: [...new Set(data.scopes)],
    orgId: data.orgId ?? null,
    format: data.format,
    accessTokenTtl: data.accessTokenTtl,
    createdAt: new Date(),
  };
  try {
    await db.resourceServers.create(doc);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new ConflictError(`resource ${data.uri} already exists`);
    throw error;
  }
  return doc;
}

export async function findResourceServer(db: Db, uri: string): Promise<ResourceServerDoc | null> {
  return db.resourceServers.findById(uri).lean<ResourceServerDoc>();
}

export function presentResourceServer(doc: ResourceServerDoc) {
  return {
    uri: doc._id,
    scopes: doc.scopes,
    orgId: doc.orgId ?? null,
    format: doc.format as 'jwt' | 'opaque',
    accessTokenTtl: doc.accessTokenTtl,
    createdAt: doc.createdAt.toISOString(),
  };
}

export async function listOrgResourceServers(db: Db, orgId: string, page: PageQuery) {
  const result = await pageById<ResourceServerDoc>(db.resourceServers, { orgId }, page);
  return { items: result.items.map(presentResourceServer), nextCursor: result.nextCursor };
}

/** Deletes a resource server of the organization; tokens already issued for it simply expire. */
export async function deleteOrgResourceServer(db: Db, orgId: string, uri: string) {
  const doc = await findResourceServer(db, uri);
  if (!doc || doc.orgId !== orgId) throw new NotFoundError(`resource ${uri} does not exist`);
  await db.resourceServers.deleteOne({ _id: uri });
}

/** Creates a resource server unless it exists (Orgauth's own admin API, at every start). */
export async function ensureResourceServer(db: Db, input: CreateResourceServerInput): Promise<void> {
  if (await findResourceServer(db, input.uri)) return;
  await createResourceServer(db, input).catch((error: unknown) => {
    if (!(error instanceof ConflictError)) throw error;
  });
}

export const updateResourceServerSchema = createResourceServerSchema
  .pick({ scopes: true, format: true, accessTokenTtl: true })
  .partial()
  .strict();

/** Changes what new tokens for the resource look like; tokens already issued keep theirs. */
export async function updateOrgResourceServer(
  db: Db,
  orgId: string,
  uri: string,
  input: z.input<typeof updateResourceServerSchema>,
) {
  const data = parseInput(updateResourceServerSchema, input);
  const doc = await findResourceServer(db, uri);
  if (!doc || doc.orgId !== orgId) throw new NotFoundError(`resource ${uri} does not exist`);
  const changes = { ...data, ...(data.scopes ? { scopes: [...new Set(data.scopes)] } : {}) };
  await db.resourceServers.updateOne({ _id: uri }, { $set: changes });
  return presentResourceServer({ ...doc, ...changes });
}
