import { type ErrorCode, errorCodes, problemType } from '@kith/schemas';
import type { FieldIssue } from './kith-error.ts';

/**
 * Builds an RFC 9457 problem response. Every error Kith sends goes through
 * here, so every one has the same shape and media type.
 */
export function problemResponse(
  code: ErrorCode,
  options: {
    detail?: string;
    errors?: FieldIssue[];
    requestId?: string;
    headers?: Record<string, string>;
  } = {},
): Response {
  const { status, title } = errorCodes[code];
  const body = {
    type: problemType(code),
    title,
    status,
    code,
    detail: options.detail ?? title,
    ...(options.errors ? { errors: options.errors } : {}),
    ...(options.requestId ? { requestId: options.requestId } : {}),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
      // The refused body is still on the wire, unread: close the connection
      // after this answer (RFC 9112 §9.6) so the client opens a fresh one for
      // its next request instead of sending it behind the rest of that body.
      ...(code === 'BODY_TOO_LARGE' ? { connection: 'close' } : {}),
      ...options.headers,
    },
  });
}
