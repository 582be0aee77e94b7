/**
 * Every error Kith answers with, once. Callers switch on `code`; the title is
 * for people and may be reworded, the code never changes meaning.
 *
 * The HTTP status travels with the code so the server cannot answer one code
 * with two statuses.
 */
export const errorCodes = {
  // Requests that cannot be understood.
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON.' },
  VALIDATION_FAILED: { status: 400, title: 'The request did not pass validation.' },
  UNKNOWN_FIELD: { status: 400, title: 'The request names a field Kith does not know.' },
  BODY_TOO_LARGE: { status: 413, title: 'The request body is larger than this server accepts.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be JSON.' },
  NOT_FOUND: { status: 404, title: 'Nothing is here.' },

  // Who is asking.
  UNAUTHENTICATED: { status: 401, title: 'Sign in to continue.' },
  CSRF_FAILED: { status: 403, title: 'The form could not be verified; reload the page and try again.' },
  SIGN_IN_FAILED: { status: 401, title: 'Sign-in failed.' },
  REAUTHENTICATION_REQUIRED: { status: 401, title: 'Confirm it is you with a passkey first.' },
  CHALLENGE_INVALID: { status: 400, title: 'The sign-in challenge is unknown, used or expired.' },
  ENROLLMENT_INVALID: { status: 400, title: 'This enrollment link is unknown, used or expired.' },
  LAST_PASSKEY: { status: 409, title: 'The last passkey cannot be removed while no recovery codes exist.' },
  RATE_LIMITED: { status: 429, title: 'Too many requests; slow down.' },

  // Vendors and grants.
  INVALID_CLIENT: { status: 401, title: 'The vendor could not be authenticated.' },
  CLIENT_METADATA_INVALID: { status: 400, title: "The vendor's metadata document is unusable." },
  INVALID_GRANT: { status: 401, title: 'The grant is not valid.' },
  INVALID_DPOP_PROOF: { status: 401, title: 'The DPoP proof is not valid.' },
  GRANT_REVOKED: { status: 401, title: 'The grant has been revoked.' },
  GRANT_EXPIRED: { status: 401, title: 'The grant has expired.' },
  GRANT_NOT_FOUND: { status: 404, title: 'No such grant.' },
  GRANT_REQUEST_NOT_FOUND: { status: 404, title: 'No such grant request.' },
  AUTHORIZATION_PENDING: { status: 400, title: 'The owner has not answered yet.' },
  SLOW_DOWN: { status: 400, title: 'Polling too often; wait longer between polls.' },
  ACCESS_DENIED: { status: 403, title: 'The owner declined the request.' },
  EXPIRED_TOKEN: { status: 400, title: 'The request expired before the owner answered.' },
  REDIRECT_URI_INVALID: { status: 400, title: "The redirect URI is not in the vendor's metadata." },
  RELATIONSHIP_NOT_FOUND: { status: 404, title: 'No live relationship with this vendor.' },
  ERASURE_NOT_FOUND: { status: 404, title: 'No such erasure request.' },
  NOTHING_TO_NARROW: { status: 409, title: 'The vendor read every field it is granted; nothing to narrow.' },
  TERMS_NOT_ACCEPTED: { status: 409, title: "The vendor has not accepted the owner's terms for this grant." },

  // Operating the vault.
  KEY_ROTATION_TOO_SOON: {
    status: 409,
    title: 'The next signing key has not been published long enough for vendors to have fetched it.',
  },

  // The server's own trouble.
  SERVICE_UNAVAILABLE: { status: 503, title: 'The server cannot serve this right now.' },
  INTERNAL_ERROR: { status: 500, title: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; title: string }>;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof errorCodes;

/** Every error code, in declaration order. */
export const allErrorCodes = Object.keys(errorCodes) as ErrorCode[];

/**
 * The `type` URI of a problem document (RFC 9457 §3.1.1). It is a URN: it
 * identifies the code and need not resolve.
 *
 * @example
 * problemType('GRANT_REVOKED') // 'urn:kith:problem:grant-revoked'
 */
export function problemType(code: ErrorCode): string {
  return `urn:kith:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

/** Tells whether a string is one of Kith's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}
