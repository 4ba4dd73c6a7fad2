import { z } from 'zod';
import { ConflictError, InvalidError, NotFoundError } from '../errors.js';
import { getOrganization } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { isDuplicateKeyError } from '../stores/db.js';
import type { PageQuery } from '../stores/pagination.js';
import { parseInput } from '../validation.js';
import type { ResourceServerDoc } from './model.js';
import { candidateUris, orgPathProblem, type ResolvedResource, resolveIndicator } from './resource-urls.js';
import * as store from './store.js';

const scopeToken = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** What a resource server's tokens look like; without defaults, so an update changes only what it names. */
const tokenSettings = {
  scopes: z.array(z.string().regex(scopeToken, 'contains an invalid scope')).max(100),
  format: z.enum(['jwt', 'opaque'], { error: 'must be jwt or opaque' }),
  accessTokenTtl: z.coerce.number().int().min(60).max(86_400),
};

export const createResourceServerSchema = z.object({
  uri: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' })
    .refine((u) => !u.includes('#'), 'must not contain a fragment'),
  scopes: tokenSettings.scopes.default([]),
  orgId: z.string().optional(),
  /** `prefix`: the URI is a base, and URLs under it are accepted too (default when `orgPath` is given). */
  match: z.enum(['exact', 'prefix'], { error: 'must be exact or prefix' }).optional(),
  orgPath: z
    .string()
    .max(200)
    .superRefine((value, ctx) => {
      const problem = orgPathProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  format: tokenSettings.format.default('jwt'),
  accessTokenTtl: tokenSettings.accessTokenTtl.default(3600),
});
export type CreateResourceServerInput = z.input<typeof createResourceServerSchema>;

/** How a new registration matches URLs: `orgPath` needs a base, and a base ending in `/` reads best. */
function matching(data: z.output<typeof createResourceServerSchema>) {
  const match = data.match ?? (data.orgPath ? 'prefix' : 'exact');
  if (data.orgPath && match !== 'prefix') {
    throw new InvalidError('orgPath needs match "prefix": the organization appears in URLs under the base', {
      orgPath: 'needs match "prefix"',
    });
  }
  return { match, orgPath: data.orgPath ? `/${data.orgPath.replace(/^\/+/, '')}` : null };
}

export async function createResourceServer(db: Db, input: CreateResourceServerInput): Promise<ResourceServerDoc> {
  const data = parseInput(createResourceServerSchema, input);
  if (data.orgId) await getOrganization(db, data.orgId);
  const doc = {
    _id: data.uri,
    scopes: [...new Set(data.scopes)],
    orgId: data.orgId ?? null,
    ...matching(data),
    format: data.format,
    accessTokenTtl: data.accessTokenTtl,
    createdAt: new Date(),
  };
  try {
    await store.insertResourceServer(db, doc);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new ConflictError(`resource ${data.uri} already exists`);
    throw error;
  }
  return doc;
}

/** A resource server by URI, in whichever organization owns it (or none): token issuance checks the owner after. */
export async function findResourceServer(db: Db, uri: string): Promise<ResourceServerDoc | null> {
  return store.findResourceServerAcrossOrganizations(db, uri);
}

/**
 * The resource server a resource indicator names (exactly, or as a URL under a registered base),
 * with the token audience and the organization the URL names: one cached read per indicator.
 */
export async function resolveResource(db: Db, indicator: string): Promise<ResolvedResource | null> {
  const found = await store.findResourceServersByUris(db, indicator, candidateUris);
  return resolveIndicator(indicator, found);
}

export function presentResourceServer(doc: ResourceServerDoc) {
  return {
    uri: doc._id,
    scopes: doc.scopes,
    orgId: doc.orgId ?? null,
    match: doc.match === 'prefix' ? ('prefix' as const) : ('exact' as const),
    orgPath: doc.orgPath ?? null,
    format: doc.format as 'jwt' | 'opaque',
    accessTokenTtl: doc.accessTokenTtl,
    createdAt: doc.createdAt.toISOString(),
  };
}

export async function listOrgResourceServers(db: Db, orgId: string, page: PageQuery) {
  const result = await store.listResourceServersOfOrganization(db, orgId, page);
  return { items: result.items.map(presentResourceServer), nextCursor: result.nextCursor };
}

/** Deletes a resource server of the organization; tokens already issued for it simply expire. */
export async function deleteOrgResourceServer(db: Db, orgId: string, uri: string) {
  if (!(await store.deleteOrgResourceServer(db, orgId, uri))) throw new NotFoundError(`resource ${uri} does not exist`);
}

/** Creates a resource server unless it exists (Orgauth's own admin API, at every start). */
export async function ensureResourceServer(db: Db, input: CreateResourceServerInput): Promise<void> {
  if (await findResourceServer(db, input.uri)) return;
  await createResourceServer(db, input).catch((error: unknown) => {
    if (!(error instanceof ConflictError)) throw error;
  });
}

export const updateResourceServerSchema = z.object(tokenSettings).partial().strict();

/** Changes what new tokens for the resource look like; tokens already issued keep theirs. */
export async function updateOrgResourceServer(
  db: Db,
  orgId: string,
  uri: string,
  input: z.input<typeof updateResourceServerSchema>,
) {
  const data = parseInput(updateResourceServerSchema, input);
  const changes = { ...data, ...(data.scopes ? { scopes: [...new Set(data.scopes)] } : {}) };
  const doc = await store.updateOrgResourceServer(db, orgId, uri, changes);
  if (!doc) throw new NotFoundError(`resource ${uri} does not exist`);
  return presentResourceServer(doc);
}
