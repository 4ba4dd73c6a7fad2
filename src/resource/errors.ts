/**
 * RFC 6750 failures of a protected resource. Each carries its status, error code and description;
 * `requireOrgToken` turns them into a JSON body and a `WWW-Authenticate: Bearer` challenge.
 */
export class BearerError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    /** Omitted when the request carried no credentials at all (RFC 6750 §3.1). */
    readonly code: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined,
    readonly description: string,
    readonly scope?: string,
  ) {
    super(description);
    this.name = 'BearerError';
  }
}

export const missingToken = () => new BearerError(401, undefined, 'authentication is required');
export const invalidToken = (description: string) => new BearerError(401, 'invalid_token', description);
export const insufficientScope = (description: string, scope?: string) =>
  new BearerError(403, 'insufficient_scope', description, scope);

const quote = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

export function bearerChallenge(error: BearerError, resourceMetadata: string): string {
  const params: string[] = [];
  if (error.code) params.push(`error=${quote(error.code)}`, `error_description=${quote(error.description)}`);
  if (error.scope) params.push(`scope=${quote(error.scope)}`);
  params.push(`resource_metadata=${quote(resourceMetadata)}`);
  return `Bearer ${params.join(', ')}`;
}

/**
 * A refusal as every HTTP stack answers it: `status`, the `WWW-Authenticate` value (with the RFC 9728
 * `resource_metadata` of the request's resource) and the JSON `body`; send it with `Cache-Control: no-store`.
 */
export class OrgTokenError extends BearerError {
  readonly wwwAuthenticate: string;

  constructor(error: BearerError, resourceMetadata: string) {
    super(error.status, error.code, error.description, error.scope);
    this.name = 'OrgTokenError';
    this.wwwAuthenticate = bearerChallenge(error, resourceMetadata);
  }

  get body(): { error: string; error_description?: string } {
    return this.code ? { error: this.code, error_description: this.description } : { error: 'unauthorized' };
  }
}
