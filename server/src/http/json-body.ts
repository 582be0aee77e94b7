import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { KithError } from './kith-error.ts';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Requires a JSON body on writes and parses it once, so a wrong media type is
 * `UNSUPPORTED_MEDIA_TYPE` and bad JSON is `MALFORMED_JSON` before any route
 * runs. Hono caches the parsed body; the validators read it from there.
 */
export function jsonBody(): MiddlewareHandler<AppEnv> {
  return async function jsonBody(c, next) {
    if (!METHODS_WITH_BODY.has(c.req.method) || isBodiless(c.req.raw)) return next();
    const type = c.req.header('content-type') ?? '';
    if (!JSON_MEDIA_TYPE.test(type)) {
      throw new KithError('UNSUPPORTED_MEDIA_TYPE', { detail: 'Send the body as application/json.' });
    }
    try {
      await c.req.json();
    } catch (error) {
      if (error instanceof KithError) throw error;
      throw new KithError('MALFORMED_JSON');
    }
    await next();
  };
}

/**
 * For a route that declares a required body: a request with no JSON body is
 * refused. Without this the validator would read a bodiless request as `{}`,
 * and a cross-origin `no-cors` POST (no body, no content type, no preflight)
 * would reach the route as if the client had sent an empty object.
 * `createRouter` adds it to every such route; `jsonBody` has already refused
 * a non-JSON body by then, so what is left here is the bodiless request.
 */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async function requireJsonBody(c, next) {
    if (!JSON_MEDIA_TYPE.test(c.req.header('content-type') ?? '')) {
      throw new KithError('UNSUPPORTED_MEDIA_TYPE', {
        detail: 'This request needs a JSON body (application/json).',
      });
    }
    await next();
  };
}

// A write with no body and no content type (e.g. a relinquish) is left to its
// route, which says whether it needs a body (see `requireJsonBody`).
function isBodiless(request: Request): boolean {
  if (request.headers.has('content-type')) return false;
  const length = request.headers.get('content-length');
  return (
    length === '0' || (length === null && !request.headers.has('transfer-encoding') && request.body === null)
  );
}
