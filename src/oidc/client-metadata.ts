import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { orgIdSchema } from '../orgs/schema.js';
import { OIDC_SCOPES } from './claims.js';
import { checkMetadataDocument, isMetadataDocumentClientId } from './client-id-metadata/document-rules.js';
import { isNativeRedirect } from './clients.js';

/**
 * Our client metadata: `org_id` (the owning organization: the client can only be authorized there,
 * and its client-credentials tokens carry it) and `first_party` (may skip consent when the person
 * has a single eligible organization) and `resource_scopes` (the most it may get from any resource).
 */
export function validateClientMetadata(
  ctx: KoaContextWithOIDC | undefined,
  key: string,
  value: unknown,
  metadata: Record<string, unknown>,
): void {
  if (ctx?.oidc?.route === 'registration') validateRegistration(ctx, key, value, metadata);
  if (key === 'org_id' && isMetadataDocumentClientId(metadata.client_id)) validateMetadataDocument(metadata);
  if (value === undefined || value === null) return;
  if (key === 'org_id' && !orgIdSchema.safeParse(value).success) {
    throw new errors.InvalidClientMetadata('org_id must be an organization id');
  }
  if (
    key === 'resource_scopes' &&
    (typeof value !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(value))
  ) {
    throw new errors.InvalidClientMetadata('resource_scopes must be a space-separated list of scopes');
  }
  if (key === 'first_party' && typeof value !== 'boolean') {
    throw new errors.InvalidClientMetadata('first_party must be a boolean');
  }
}

/**
 * Dynamic registration (RFC 7591): without an initial access token only public clients may
 * register; nobody may claim an organization; and clients with loopback or private-scheme redirect
 * URIs are native apps (RFC 8252), which is what lets a loopback redirect use any port. MCP clients
 * (Claude Code, VS Code, Cursor) send no `application_type`.
 */
function validateRegistration(ctx: KoaContextWithOIDC, key: string, value: unknown, metadata: Record<string, unknown>) {
  if (key === 'resource_scopes' && derivedResourceScopes.has(metadata)) return;
  if (value !== undefined && value !== null) {
    throw new errors.InvalidClientMetadata(`${key} cannot be set through dynamic registration`);
  }
  if (key !== 'org_id') return;
  const withToken = Boolean((ctx.oidc.entities as Record<string, unknown>).InitialAccessToken);
  if (!withToken && metadata.token_endpoint_auth_method !== 'none') {
    throw new errors.InvalidClientMetadata(
      'open registration is for public clients: token_endpoint_auth_method must be none',
    );
  }
  splitScopes(metadata);
  const redirects = Array.isArray(metadata.redirect_uris) ? (metadata.redirect_uris as unknown[]) : [];
  if (redirects.some((uri) => typeof uri === 'string' && isNativeRedirect(uri))) metadata.application_type = 'native';
}

/**
 * A client ID metadata document (client-id-metadata/document-rules.ts) is a registration by its
 * owner: MCP scopes in `scope` become `resource_scopes`, loopback or private-scheme redirect URIs
 * make a native app (their exact match is enforced per request).
 */
function validateMetadataDocument(metadata: Record<string, unknown>) {
  if (metadata.resource_scopes !== undefined && metadata.resource_scopes !== null) {
    throw new errors.InvalidClientMetadata('client_id metadata document cannot set resource_scopes');
  }
  checkMetadataDocument(metadata);
  splitScopes(metadata);
  const redirects = Array.isArray(metadata.redirect_uris) ? (metadata.redirect_uris as unknown[]) : [];
  if (redirects.some((uri) => typeof uri === 'string' && isNativeRedirect(uri))) metadata.application_type = 'native';
}

const derivedResourceScopes = new WeakSet<object>();

/**
 * MCP clients register the resource's scopes (e.g. `mcp:tools`) as their `scope`; oidc-provider only
 * knows OpenID scopes there. The others become the client's `resource_scopes` instead of a 400.
 */
function splitScopes(metadata: Record<string, unknown>) {
  if (typeof metadata.scope !== 'string') return;
  const words = metadata.scope.split(' ').filter(Boolean);
  const resource = words.filter((w) => !OIDC_SCOPES.includes(w));
  if (!resource.length) return;
  const oidc = words.filter((w) => OIDC_SCOPES.includes(w));
  if (oidc.length) metadata.scope = oidc.join(' ');
  else delete metadata.scope;
  metadata.resource_scopes = resource.join(' ');
  derivedResourceScopes.add(metadata);
}

const builtMetadata = new WeakMap<object, Readonly<Record<string, unknown>>>();

/**
 * The client's metadata (snake_case keys), built once per client instance: oidc-provider's metadata()
 * copies and renames every field on each call, and it keeps one unchanging instance per stored version
 * of a client, so the copy can be shared.
 */
export function clientMetadataOf(client: { metadata(): Record<string, unknown> }): Readonly<Record<string, unknown>> {
  let metadata = builtMetadata.get(client);
  if (!metadata) {
    metadata = Object.freeze(client.metadata());
    builtMetadata.set(client, metadata);
  }
  return metadata;
}
