import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientMetadataOf } from './client-metadata.js';

interface IntrospectedToken {
  clientId?: string;
  extra?: { org_id?: string };
}

/**
 * Who may introspect a token: the client it was issued to, or a confidential client owned by the
 * same organization as the token (a resource server of that organization). Never another
 * organization's client.
 */
export function introspectionAllowed(
  _ctx: KoaContextWithOIDC,
  client: { clientId: string; clientAuthMethod?: string; metadata(): Record<string, unknown> },
  token: IntrospectedToken,
): boolean {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false;
  const clientOrg = clientMetadataOf(client).org_id;
  return typeof clientOrg === 'string' && clientOrg === token.extra?.org_id;
}

/** Who may revoke a token: only the client it was issued to (RFC 7009). */
export function revocationAllowed(
  _ctx: KoaContextWithOIDC,
  client: { clientId: string },
  token: { clientId?: string },
): boolean {
  return token.clientId === client.clientId;
}
