import { isMetadataDocumentClientId } from './document-rules.js';

export interface DocumentConsentFacts {
  /** Who published the app's metadata document (the host of its client id). */
  documentHost: string;
  /** Where the person will be sent back to, which the spec requires the consent page to show. */
  redirectHost: string;
  /** Every redirect URI is on this device: any program on it could have published such a document. */
  loopbackOnly: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(uri: string): boolean {
  const url = URL.parse(uri);
  if (!url) return false;
  return LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.');
}

/**
 * What the consent page shows about an app identified by a client ID metadata document, so a
 * person sees who they are authorizing; undefined for registered clients.
 */
export function documentConsentFacts(
  clientId: string,
  redirectUris: readonly string[],
  redirectUri: unknown,
): DocumentConsentFacts | undefined {
  if (!isMetadataDocumentClientId(clientId)) return undefined;
  const target = URL.parse(typeof redirectUri === 'string' ? redirectUri : '');
  return {
    documentHost: URL.parse(clientId)?.host ?? clientId,
    redirectHost: target ? target.host || target.protocol : '',
    loopbackOnly: redirectUris.length > 0 && redirectUris.every(isLoopback),
  };
}
