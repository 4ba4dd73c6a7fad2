import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { renderErrorPage, renderStoreOutage } from '../http/views.js';
import { isStoreOutage } from '../stores/outage.js';
import { documentErrorPage } from './client-id-metadata/error-page.js';

const HEADINGS: Record<string, string> = {
  invalid_request: 'This sign-in link is not valid',
  invalid_client: 'Unknown application',
  invalid_redirect_uri: 'This sign-in link is not valid',
  invalid_target: 'Unknown resource',
  session_not_found: 'This sign-in has expired',
  access_denied: 'Access denied',
};

/**
 * oidc-provider's `renderError`: errors that cannot go back to the client (bad client, unregistered
 * redirect URI, lost interaction) become a readable page. A store outage is a 503 "temporarily
 * unavailable" page, never a 500.
 */
export async function renderOidcError(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error): Promise<void> {
  if (isStoreOutage(error)) {
    renderStoreOutage(ctx, 'Sign-in is temporarily unavailable');
    return;
  }
  const document = documentErrorPage(ctx, error);
  if (document) {
    renderErrorPage(ctx, { status: Math.max(ctx.status, 400), ...document });
    return;
  }
  renderErrorPage(ctx, {
    status: Math.max(ctx.status, 400),
    heading: HEADINGS[out.error] ?? 'Something went wrong',
    message: out.error_description ?? out.error,
    hint: 'Go back to the application and start again. If this keeps happening, contact its developer.',
  });
}
