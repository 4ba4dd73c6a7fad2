/**
 * The domain errors every area throws. Each surface (admin API, OAuth endpoints, pages, CLI)
 * maps them once; services never know which surface called them.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Stable machine-readable code, also the last segment of the problem+json `type`. */
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidError extends DomainError {
  readonly status = 400;
  readonly code = 'invalid';
  constructor(
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly code = 'not_found';
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly code = 'conflict';
}

export class UnavailableError extends DomainError {
  readonly status = 503;
  readonly code = 'unavailable';
}

export class InsufficientCreditsError extends DomainError {
  readonly status = 402;
  readonly code = 'insufficient_credits';
}
