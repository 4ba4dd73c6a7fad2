import { errors } from 'oidc-provider';

/**
 * Client ids Orgauth issues look like `cli_…`; a client id that is an https URL can only come from
 * a client ID metadata document.
 */
export function isMetadataDocumentClientId(clientId: unknown): clientId is string {
  return typeof clientId === 'string' && clientId.startsWith('https://');
}

const OWN_METADATA = ['org_id', 'first_party'] as const;

/**
 * Our rules for a metadata document, on top of oidc-provider's (its `client_id` equals the URL, no
 * shared secret): run by the client metadata validator while oidc-provider builds the client, so a
 * refused document never becomes a client.
 *
 * - It may not claim an organization or first-party standing: those are ours to give.
 * - Public (`none`) or `private_key_jwt` with a `jwks_uri` only; an absent method means `none`
 *   (the document cannot hold a secret, so the registration default of `client_secret_basic` cannot apply).
 */
export function checkMetadataDocument(metadata: Record<string, unknown>): void {
  for (const key of OWN_METADATA) {
    if (metadata[key] !== undefined && metadata[key] !== null) {
      throw new errors.InvalidClientMetadata(`client_id metadata document cannot set ${key}`);
    }
  }
  if (metadata.token_endpoint_auth_method === 'client_secret_basic') metadata.token_endpoint_auth_method = 'none';
  const method = metadata.token_endpoint_auth_method;
  if (method !== 'none' && method !== 'private_key_jwt') {
    throw new errors.InvalidClientMetadata(
      'client_id metadata document token_endpoint_auth_method must be none or private_key_jwt',
    );
  }
  if (method === 'private_key_jwt' && typeof metadata.jwks_uri !== 'string') {
    throw new errors.InvalidClientMetadata('client_id metadata document with private_key_jwt must name its jwks_uri');
  }
  if (metadata.jwks !== undefined && metadata.jwks !== null) {
    throw new errors.InvalidClientMetadata('client_id metadata document must publish its keys at jwks_uri, not inline');
  }
}

/**
 * A metadata-document client may use only the redirect URIs its document lists, compared exactly:
 * oidc-provider would let a native client change a loopback port (RFC 8252), but here the document
 * is the registration, so the URL a person is sent back to is exactly one its owner published.
 */
export function checkListedRedirectUri(redirectUri: unknown, listed: readonly string[]): void {
  if (typeof redirectUri !== 'string') return;
  if (!listed.includes(redirectUri)) {
    throw new errors.InvalidClientMetadata(
      `redirect_uris of the client_id metadata document do not list ${redirectUri} (redirect URIs must match exactly)`,
    );
  }
}
