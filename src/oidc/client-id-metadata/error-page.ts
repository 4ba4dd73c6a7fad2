import type { KoaContextWithOIDC } from 'oidc-provider';
import { isMetadataDocumentClientId } from './document-rules.js';
import { describeDocumentFailure } from './errors.js';

export interface DocumentErrorPage {
  heading: string;
  message: string;
  hint: string;
}

/**
 * The error page for an authorization request whose https client id could not be resolved: which
 * document, at which host, and why (unreachable, too large, not JSON, invalid…), so the person
 * knows the app, not Orgauth, is at fault. Undefined for other errors.
 */
export function documentErrorPage(ctx: KoaContextWithOIDC, error: unknown): DocumentErrorPage | undefined {
  const params = (ctx.oidc?.params ?? ctx.query ?? {}) as Record<string, unknown>;
  const clientId = params.client_id;
  if (!isMetadataDocumentClientId(clientId)) return undefined;
  const e = error as { error?: string; error_description?: string };
  const reason =
    describeDocumentFailure(error) ??
    (e.error === 'invalid_client_metadata' || e.error === 'invalid_redirect_uri' ? e.error_description : undefined);
  if (!reason) return undefined;
  const host = URL.parse(clientId)?.host ?? clientId;
  return {
    heading: 'This app’s registration could not be used',
    message: `The app identifies itself with the client ID metadata document ${clientId} (published by ${host}), which could not be used: ${reason}.`,
    hint: 'Nothing was authorized. Tell the app’s developer; if the document was only briefly unavailable, start again from the app.',
  };
}
