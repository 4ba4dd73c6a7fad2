/** RFC 9728's well-known path; `${WELL_KNOWN}/orgs/x/mcp` describes the resource at `/orgs/x/mcp`. */
export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

export interface ProtectedResourceDocumentOptions {
  /** Orgauth's issuer URL. */
  issuer: string;
  scopes?: string[];
  resourceName?: string;
}

export const isProtectedResourcePath = (path: string) =>
  path === PROTECTED_RESOURCE_PATH || path.startsWith(`${PROTECTED_RESOURCE_PATH}/`);

/** The RFC 9728 metadata URL of the resource at `url` (path-suffixed, the bare document for `/`). */
export function metadataUrlOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return PROTECTED_RESOURCE_PATH;
  }
  return `${parsed.origin}${PROTECTED_RESOURCE_PATH}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** The RFC 9728 document of one resource, whatever serves it. */
export function protectedResourceDocument(options: ProtectedResourceDocumentOptions, resource: string) {
  return {
    resource,
    authorization_servers: [options.issuer],
    bearer_methods_supported: ['header'],
    ...(options.scopes ? { scopes_supported: options.scopes } : {}),
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
  };
}
