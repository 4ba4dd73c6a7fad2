import type { KoaContextWithOIDC } from 'oidc-provider';
import { renderPage } from '../http/views.js';

/** RP-initiated logout confirmation, in our layout; `form` is oidc-provider's own form (with its CSRF field). */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  // The confirmation may end on the client's post-logout URI: allow that origin as a form target.
  const target = URL.parse(String(ctx.oidc.params?.post_logout_redirect_uri ?? ''));
  if (target) ctx.state.formAction = `'self' ${target.origin !== 'null' ? target.origin : target.protocol}`;
  renderPage(ctx, 'interaction/logout', { title: 'Sign out', form, clientName: ctx.oidc.client?.clientName });
}

export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  renderPage(ctx, 'interaction/logged-out', { title: 'Signed out', clientName: ctx.oidc.client?.clientName });
}
