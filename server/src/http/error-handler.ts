import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../env.ts';
import { driverErrorCode, isDatabaseUnavailable } from './database-unavailable.ts';
import { KithError } from './kith-error.ts';
import { problemResponse } from './problem.ts';

/**
 * The one error handler: a `KithError` goes out as its problem; anything else
 * is logged with the request id and goes out as `INTERNAL_ERROR`, its message
 * never echoed.
 */
export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  const requestId = c.get('requestId');
  if (error instanceof KithError) {
    return problemResponse(error.code, {
      ...(error.detail ? { detail: error.detail } : {}),
      ...(error.errors ? { errors: error.errors } : {}),
      ...(error.headers ? { headers: error.headers } : {}),
      requestId,
    });
  }
  if (error instanceof HTTPException && error.status === 413) {
    return problemResponse('BODY_TOO_LARGE', { requestId });
  }
  // Hono's own validators throw 400s for bodies they cannot read.
  if (error instanceof HTTPException && error.status === 400) {
    return problemResponse('MALFORMED_JSON', { requestId });
  }
  if (isDatabaseUnavailable(error)) {
    // Its transaction was rolled back, so the request can be tried again. Logged for the operator
    // (never echoed) as a warning: the fault is the database's, and an outage is one line per request.
    c.get('logger')?.warn(
      { err: { type: error.name, code: driverErrorCode(error) }, requestId },
      'database unavailable',
    );
    return problemResponse('SERVICE_UNAVAILABLE', {
      detail: 'The database is not answering; try again shortly.',
      headers: { 'retry-after': '1' },
      requestId,
    });
  }
  // The message is left out (driver errors can quote the data they choked on);
  // the class and the stack frames are enough to find the bug.
  const frames = error.stack?.split('\n').slice(1).join('\n');
  c.get('logger')?.error({ err: { type: error.name, frames }, requestId }, 'unexpected error');
  return problemResponse('INTERNAL_ERROR', { requestId });
};

export const handleNotFound: NotFoundHandler<AppEnv> = (c) =>
  problemResponse('NOT_FOUND', {
    detail: `No route for ${c.req.method} ${c.req.path}.`,
    requestId: c.get('requestId'),
  });
