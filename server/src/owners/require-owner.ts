import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../env.ts';
import { KithError } from '../http/kith-error.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { resumeSession, type SessionDeps } from './session.service.ts';

/**
 * Lets a request through only with a live owner session, and puts the owner
 * on the context. Anything else is `UNAUTHENTICATED`, the same answer for a
 * missing, unknown, idle or expired session.
 */
export function requireOwner(deps: SessionDeps): MiddlewareHandler<AppEnv> {
  return async function requireOwner(c, next) {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await resumeSession(deps, token) : undefined;
    if (!session) throw new KithError('UNAUTHENTICATED');
    c.set('owner', { id: session.ownerId, sessionIdHash: session.idHash });
    await next();
  };
}
