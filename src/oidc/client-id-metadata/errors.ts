/**
 * Why a client's metadata document (or another document the provider fetches for a client, such
 * as its `jwks_uri`) could not be used, worded to complete "…could not be used: <reason>".
 * oidc-provider wraps it as the cause of its `invalid_client` error.
 */
export class DocumentFetchError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'DocumentFetchError';
  }
}

/** The size limit of a client ID metadata document (oidc-provider's `fetchResponseBodyLimits`). */
export const DOCUMENT_MAX_BYTES = 16 * 1024;

interface ProviderError {
  error?: string;
  error_description?: string;
  error_detail?: string;
  cause?: unknown;
}

/**
 * The reason a person (and the log) should see when a metadata-document client could not be
 * resolved; undefined when the error is not about the document.
 */
export function describeDocumentFailure(error: unknown): string | undefined {
  const e = error as ProviderError | null;
  if (!e || typeof e !== 'object') return undefined;
  if (e.error === 'invalid_client_metadata' && /client_id metadata document/.test(e.error_description ?? '')) {
    return e.error_description?.replace(/^client_id metadata document /, 'the document ');
  }
  if (e.error !== 'invalid_client' || !/client_id metadata document/.test(e.error_description ?? '')) return undefined;
  const cause = e.cause;
  if (cause instanceof DocumentFetchError) return cause.message;
  if (cause instanceof SyntaxError) return 'it is not JSON';
  if (cause instanceof Error && cause.message === 'response too large') {
    return `it is larger than ${DOCUMENT_MAX_BYTES / 1024} KiB`;
  }
  const status = /unexpected response status (\d+)/.exec(e.error_detail ?? '');
  if (status) return `it answered with HTTP status ${status[1]} instead of 200`;
  if (e.error_description === 'client_id metadata document fetch not allowed') return 'fetching it is not allowed';
  return e.error_detail ?? e.error_description;
}
