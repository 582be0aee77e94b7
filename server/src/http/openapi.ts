import { type ErrorCode, errorCodes, problemSchema } from '@kith/schemas';

/**
 * OpenAPI response entries for the problems a route can answer, grouped by
 * status, each listing its codes so readers know what to `switch` on.
 */
export function problemResponses(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = errorCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      {
        description: `A problem document (RFC 9457) with \`code\` ${list.map((c) => `\`${c}\``).join(' or ')}.`,
        content: { 'application/problem+json': { schema: problemSchema } },
      },
    ]),
  );
}

/** Problems any route can answer, whatever it does: a bug (never echoed), or a database that cannot serve now. */
export const commonProblems: ErrorCode[] = ['INTERNAL_ERROR', 'SERVICE_UNAVAILABLE'];

/** Problems any route that reads a JSON body can answer. */
export const bodyProblems: ErrorCode[] = ['MALFORMED_JSON', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
