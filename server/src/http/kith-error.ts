import { type ErrorCode, errorCodes } from '@kith/schemas';

/** One failing input, named by its path: what `VALIDATION_FAILED` lists. */
export interface FieldIssue {
  path: string;
  code: string;
  message: string;
}

/**
 * An error the client may see. Its `code` comes from the one list in
 * `@kith/schemas`, which also fixes its HTTP status.
 *
 * @example
 * throw new KithError('GRANT_REVOKED');
 * throw new KithError('VALIDATION_FAILED', { detail: 'email is not an address', errors });
 */
export class KithError extends Error {
  override name = 'KithError';
  readonly status: number;
  readonly detail: string | undefined;
  readonly errors: FieldIssue[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: ErrorCode,
    options: {
      detail?: string;
      errors?: FieldIssue[];
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(options.detail ?? errorCodes[code].title, { cause: options.cause });
    this.status = errorCodes[code].status;
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}
