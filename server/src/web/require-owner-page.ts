import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { KithError } from '../http/kith-error.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { resumeSession, type SessionDeps } from '../owners/session.service.ts';
import type { WebEnv } from './web.env.ts';

/**
 * Lets a page through only with a live owner session and puts the owner and
 * the session on the context. Without one, a page redirects to sign-in and a
 * ceremony request (`problem: true`) answers `UNAUTHENTICATED`. Every page
 * behind it carries personal data, so none may be stored by a cache.
 *
 * @example
 * router.get('/approve/:id', requireOwnerPage(deps), (c) => …c.get('owner').id…);
 */
export function requireOwnerPage(
  deps: SessionDeps,
  options: { problem?: boolean } = {},
): MiddlewareHandler<WebEnv> {
  return async function requireOwnerPage(c, next) {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await resumeSession(deps, token) : undefined;
    if (!session) {
      if (options.problem) throw new KithError('UNAUTHENTICATED');
      // Come back here after signing in: an approval link must survive the detour.
      const params = new URLSearchParams();
      if (token) params.set('ended', '1');
      if (c.req.method === 'GET' && c.req.path !== '/')
        params.set('next', new URL(c.req.url).pathname + new URL(c.req.url).search);
      const query = params.toString();
      return c.redirect(query ? `/sign-in?${query}` : '/sign-in', 303);
    }
    c.set('owner', { id: session.ownerId, sessionIdHash: session.idHash });
    c.set('session', session);
    await next();
    c.header('cache-control', 'no-store');
  };
}
