import type { ErrorCode, ProblemError } from '@kith/schemas';

/**
 * The codes this SDK raises on its own, when no vault answered with a problem
 * document. Defined once, with the message each one carries.
 *
 * @example
 * clientErrorCodes.TIMEOUT // 'The vault did not answer in time.'
 */
export const clientErrorCodes = {
  NETWORK_ERROR: 'The vault could not be reached.',
  TIMEOUT: 'The vault did not answer in time.',
  ABORTED: 'The operation was aborted.',
  INVALID_RESPONSE: 'The vault answered with something this SDK does not understand.',
  INVALID_ARGUMENT: 'The SDK was called with an unusable argument.',
  UNTRUSTED_VAULT: 'The vault URL is not https (or http on localhost); nothing was sent to it.',
  WEBHOOK_SIGNATURE_INVALID: 'The webhook is not signed by the vault (or by your webhook secret).',
  WEBHOOK_TIMESTAMP_INVALID: 'The webhook timestamp is missing or too far from now.',
  WEBHOOK_REPLAYED: 'This webhook id was already handled.',
} as const satisfies Record<string, string>;

/**
 * A code only the SDK raises (never sent by a vault).
 *
 * @example
 * const code: ClientErrorCode = 'NETWORK_ERROR';
 */
export type ClientErrorCode = keyof typeof clientErrorCodes;

/**
 * Every code a {@link KithClientError} may carry: the vault's codes from
 * `@kith/schemas` plus the SDK's own.
 *
 * @example
 * const code: KithErrorCode = 'GRANT_REVOKED';
 */
export type KithErrorCode = ErrorCode | ClientErrorCode;

/** What a {@link KithClientError} is made from. */
export interface KithClientErrorOptions {
  /** The HTTP status, when a vault answered. */
  status?: number;
  /** The problem document's `detail`, or the SDK's own explanation. */
  detail?: string;
  /** Validation failures, located by JSON Pointer into the request body. */
  errors?: ProblemError[];
  /** The vault's request id, to quote when asking its operator for help. */
  requestId?: string;
  /** How long the vault asked us to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  /** The underlying error (a network failure, a zod issue list…). */
  cause?: unknown;
}

/**
 * The one error class of `@kith/client`. Switch on `code`; `message` is for
 * people and may be reworded.
 *
 * @example
 * try {
 *   await kith.redeem(grant);
 * } catch (error) {
 *   if (!(error instanceof KithClientError)) throw error;
 *   switch (error.code) {
 *     case 'GRANT_REVOKED':
 *     case 'GRANT_EXPIRED':
 *       await forgetCustomerData(customerId);
 *       break;
 *     case 'NETWORK_ERROR':
 *       break; // keep the copy you have; try later
 *     default:
 *       throw error;
 *   }
 * }
 */
export class KithClientError extends Error {
  override readonly name = 'KithClientError';
  readonly code: KithErrorCode;
  readonly status: number | undefined;
  readonly detail: string | undefined;
  readonly errors: ProblemError[] | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: KithErrorCode, message: string, options: KithClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.detail = options.detail;
    this.errors = options.errors;
    this.requestId = options.requestId;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Builds a {@link KithClientError} for one of the SDK's own codes, with its
 * standard message.
 *
 * @example
 * throw clientError('INVALID_ARGUMENT', { detail: 'duration must be at least 60 seconds' });
 */
export function clientError(code: ClientErrorCode, options: KithClientErrorOptions = {}): KithClientError {
  return new KithClientError(code, errorMessage(clientErrorCodes[code], options.detail), options);
}

/**
 * A message from a title and a detail, saying each thing once: a detail that repeats the title (as many
 * problem documents do) or that the title already contains adds nothing.
 *
 * @example
 * errorMessage('The vendor could not be authenticated.', 'The vendor could not be authenticated.')
 * // 'The vendor could not be authenticated.'
 */
export function errorMessage(title: string, detail: string | undefined): string {
  const said = title.trim();
  const more = detail?.trim() ?? '';
  if (more === '' || said.includes(more)) return said;
  if (more.includes(said)) return more;
  return `${said} ${more}`;
}

/**
 * Tells whether a value is a {@link KithClientError}, optionally with one of the given codes.
 *
 * @example
 * if (isKithClientError(error, 'GRANT_REVOKED', 'GRANT_EXPIRED')) await forget(customerId);
 */
export function isKithClientError(value: unknown, ...codes: KithErrorCode[]): value is KithClientError {
  return value instanceof KithClientError && (codes.length === 0 || codes.includes(value.code));
}
