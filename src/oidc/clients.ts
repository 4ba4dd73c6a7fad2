import { randomBytes } from 'node:crypto';
import type { ClientMetadata, default as Provider } from 'oidc-provider';
import { z } from 'zod';
import { InvalidError } from '../errors.js';
import { newId } from '../ids.js';
import { getOrganization } from '../orgs/service.js';
import type { Db } from '../stores/db.js';
import { parseInput } from '../validation.js';
import { OIDC_SCOPES } from './claims.js';

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

export const registerClientSchema = z.object({
  /** The owning organization; without one the client may be authorized in any of the person's organizations. */
  orgId: z.string().optional(),
  name: z.string().trim().min(1, 'is required').max(100),
  redirectUris: z.array(z.string()).default([]),
  public: z.boolean().default(false),
  firstParty: z.boolean().default(false),
  grantTypes: z
    .array(z.enum(GRANT_TYPES, { error: `must be among ${GRANT_TYPES.join(', ')}` }))
    .min(1)
    .default(['authorization_code', 'refresh_token']),
  scope: z.string().trim().optional(),
});
export type RegisterClientInput = z.input<typeof registerClientSchema>;

/**
 * A client's `--scope` may mix OpenID scopes (the client's `scope` metadata) and resource scopes,
 * which oidc-provider does not know as its own: those become `resource_scopes`, the most the
 * client may get from any resource (see resource-servers.ts).
 */
function scopeMetadata(scope: string | undefined): Record<string, string> {
  if (!scope) return {};
  const words = [...new Set(scope.split(/\s+/).filter(Boolean))];
  const oidc = words.filter((w) => OIDC_SCOPES.includes(w));
  const resource = words.filter((w) => !OIDC_SCOPES.includes(w));
  return {
    ...(oidc.length ? { scope: oidc.join(' ') } : {}),
    ...(resource.length ? { resource_scopes: resource.join(' ') } : {}),
  };
}

/** Loopback (RFC 8252) or private-scheme redirect URIs make a native app: any loopback port is accepted. */
export function isNativeRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  if (!url) return false;
  if (url.protocol === 'http:') return ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  return url.protocol !== 'https:';
}

/**
 * Registers an OAuth client, usually owned by an organization. The secret of a confidential client is
 * returned once and stored only as a hash (by the MongoDB adapter).
 */
export async function registerOrgClient(
  provider: Provider,
  db: Db,
  input: RegisterClientInput,
): Promise<{ client_id: string; client_secret?: string }> {
  const data = parseInput(registerClientSchema, input);
  if (data.orgId) await getOrganization(db, data.orgId);
  const grantTypes = [...new Set(data.grantTypes)];
  if (grantTypes.includes('authorization_code') && data.redirectUris.length === 0) {
    throw new InvalidError(
      'a client that signs people in (authorization_code) needs at least one redirect URI; a machine client uses the client_credentials grant only',
      { redirectUris: 'at least one is required to sign people in' },
    );
  }
  const native = data.redirectUris.length > 0 && data.redirectUris.every(isNativeRedirect);
  const clientId = newId('cli');
  const clientSecret = data.public ? undefined : randomBytes(32).toString('base64url');
  const metadata: ClientMetadata = {
    client_id: clientId,
    ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
    client_name: data.name,
    application_type: native ? 'native' : 'web',
    redirect_uris: data.redirectUris,
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: data.public ? 'none' : 'client_secret_basic',
    ...scopeMetadata(data.scope),
    ...(data.orgId ? { org_id: data.orgId } : {}),
    first_party: data.firstParty,
  };
  try {
    await provider.Client.validate(metadata);
  } catch (error) {
    const e = error as { error_description?: string; message?: string };
    throw new InvalidError(`invalid client: ${e.error_description ?? e.message}`);
  }
  // The provider's own Client adapter (public static `adapter`), so storage stays in one place.
  const { adapter } = provider.Client as unknown as { adapter: { upsert(id: string, payload: object): Promise<void> } };
  await adapter.upsert(clientId, metadata);
  return clientSecret ? { client_id: clientId, client_secret: clientSecret } : { client_id: clientId };
}
