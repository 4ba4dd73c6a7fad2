import { randomBytes } from 'node:crypto';
import type { ClientMetadata, default as Provider } from 'oidc-provider';
import { z } from 'zod';
import { InvalidError, NotFoundError } from '../errors.js';
import type { Db } from '../stores/db.js';
import type { Page, PageQuery } from '../stores/pagination.js';
import { parseInput } from '../validation.js';
import { findClientsMetadata, pageClientIdsOfOrganization } from './clients-store.js';

interface ClientAdapter {
  find(id: string): Promise<ClientMetadata | undefined>;
  upsert(id: string, payload: object): Promise<void>;
}
const clientAdapter = (provider: Provider) => (provider.Client as unknown as { adapter: ClientAdapter }).adapter;

export function presentClient(metadata: ClientMetadata) {
  return {
    clientId: metadata.client_id,
    name: (metadata.client_name as string | undefined) ?? null,
    orgId: (metadata.org_id as string | undefined) ?? null,
    redirectUris: (metadata.redirect_uris as string[] | undefined) ?? [],
    grantTypes: (metadata.grant_types as string[] | undefined) ?? [],
    public: metadata.token_endpoint_auth_method === 'none',
    firstParty: metadata.first_party === true,
    scope: [metadata.scope, metadata.resource_scopes].filter(Boolean).join(' '),
  };
}
export type ClientView = ReturnType<typeof presentClient>;

/** A client of the organization (never another organization's). */
export async function getOrgClient(provider: Provider, orgId: string, clientId: string): Promise<ClientMetadata> {
  const metadata = await clientAdapter(provider).find(clientId);
  if (!metadata || metadata.org_id !== orgId) throw new NotFoundError(`client ${clientId} does not exist`);
  return metadata;
}

export async function listOrgClients(db: Db, orgId: string, page: PageQuery): Promise<Page<ClientView>> {
  const result = await pageClientIdsOfOrganization(db, orgId, page);
  const metadata = await findClientsMetadata(
    db,
    result.items.map((row) => row._id),
  );
  const clients = result.items.map((row) => metadata.get(row._id) as ClientMetadata | undefined);
  return {
    items: clients.filter((c): c is ClientMetadata => Boolean(c)).map(presentClient),
    nextCursor: result.nextCursor,
  };
}

export const updateClientSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(100).optional(),
    redirectUris: z.array(z.string()).max(20).optional(),
  })
  .strict();

async function save(provider: Provider, metadata: ClientMetadata) {
  try {
    await provider.Client.validate(metadata);
  } catch (error) {
    const e = error as { error_description?: string; message?: string };
    throw new InvalidError(`invalid client: ${e.error_description ?? e.message}`);
  }
  await clientAdapter(provider).upsert(metadata.client_id, metadata);
}

export async function updateOrgClient(
  provider: Provider,
  orgId: string,
  clientId: string,
  input: z.input<typeof updateClientSchema>,
): Promise<ClientView> {
  const data = parseInput(updateClientSchema, input);
  const metadata = await getOrgClient(provider, orgId, clientId);
  const next = {
    ...metadata,
    ...(data.name ? { client_name: data.name } : {}),
    ...(data.redirectUris ? { redirect_uris: data.redirectUris } : {}),
  };
  await save(provider, next);
  return presentClient(next);
}

/** A new secret, shown once; the old one stops working at once. */
export async function rotateClientSecret(provider: Provider, orgId: string, clientId: string) {
  const metadata = await getOrgClient(provider, orgId, clientId);
  if (metadata.token_endpoint_auth_method === 'none') throw new InvalidError('a public client has no secret');
  const clientSecret = randomBytes(32).toString('base64url');
  await save(provider, { ...metadata, client_secret: clientSecret });
  return { clientId, clientSecret };
}
