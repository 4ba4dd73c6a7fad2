import { readFileSync } from 'node:fs';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { ClientIdMetadataConfig } from '../../config.js';
import { checkListedRedirectUri } from './document-rules.js';
import { DOCUMENT_MAX_BYTES } from './errors.js';
import { createSafeFetch } from './safe-fetch.js';

/** oidc-provider's experimental feature is acknowledged at the draft it implements (9.13: draft-02). */
const ACKNOWLEDGED_DRAFT = 'draft-02';

/** Bounded like oidc-provider's own 2.5 s, whichever fires first. */
export const FETCH_TIMEOUT_MS = 2500;

type Client = Parameters<NonNullable<NonNullable<ClientIdMetadataFeature>['allowClient']>>[1];
type ClientIdMetadataFeature = NonNullable<Configuration['features']>['clientIdMetadataDocument'];

/**
 * The parts of the provider's configuration that make https client ids work
 * (draft-ietf-oauth-client-id-metadata-document): the feature with its hooks and cache bounds, the
 * fetch every client document goes through, and the document's size limit. Discovery then
 * advertises `client_id_metadata_document_supported`.
 */
export function clientIdMetadataConfiguration(
  settings: ClientIdMetadataConfig,
): Pick<Configuration, 'fetch' | 'fetchResponseBodyLimits'> & { feature: ClientIdMetadataFeature } {
  const extraCa = settings.extraCaFile ? readFileSync(settings.extraCaFile, 'utf8') : undefined;
  return {
    feature: {
      enabled: settings.enabled,
      ack: ACKNOWLEDGED_DRAFT,
      allowFetch: (ctx, clientId) => firstFetchOfRequest(ctx, clientId),
      allowClient: (ctx, client) => allowClient(ctx, client),
      cacheDuration: { min: settings.cacheMinSeconds, max: settings.cacheMaxSeconds },
    },
    fetch: createSafeFetch({
      allowPrivateHosts: settings.allowPrivateHosts,
      extraCa,
      timeoutMs: FETCH_TIMEOUT_MS,
      maxBytes: 512 * 1024,
      maxRedirects: 3,
    }),
    fetchResponseBodyLimits: {
      'client_id metadata document': DOCUMENT_MAX_BYTES,
      jwks_uri: 256 * 1024,
      sector_identifier_uri: 64 * 1024,
    },
  };
}

const fetchedBy = new WeakMap<object, Set<string>>();

/**
 * One fetch of a document per request: after a failed authorization request oidc-provider looks
 * the client up again (to decide whether the error may be redirected), which would fetch a slow or
 * broken document a second time. Refusing the repeat keeps the error page at one timeout.
 */
function firstFetchOfRequest(ctx: KoaContextWithOIDC | undefined, clientId: string): boolean {
  if (!ctx) return true;
  const seen = fetchedBy.get(ctx) ?? new Set<string>();
  fetchedBy.set(ctx, seen);
  if (seen.has(clientId)) return false;
  seen.add(clientId);
  return true;
}

/**
 * Runs each time a metadata-document client is used, cached or not: the redirect URI of the
 * request must be one the document lists, exactly. (Organization policies, such as a blocked host,
 * are applied at the consent step, once the organization is known.)
 */
async function allowClient(ctx: KoaContextWithOIDC | undefined, client: Client): Promise<boolean> {
  const params = (ctx?.oidc?.params ?? {}) as Record<string, unknown>;
  checkListedRedirectUri(params.redirect_uri, client.redirectUris ?? []);
  return true;
}
