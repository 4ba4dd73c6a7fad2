import type { IncomingMessage } from 'node:http';
import Provider from 'oidc-provider';

/** The request oidc-provider is handling in this async context (its own AsyncLocalStorage), if any. */
export function currentRequest(): IncomingMessage | undefined {
  return (Provider.ctx as { req?: IncomingMessage } | undefined)?.req;
}
