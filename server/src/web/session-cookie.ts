import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { endSession, hashSessionToken } from '../owners/session.service.ts';

/**
 * Hands the browser a new session cookie. A session a browser already held is
 * ended first: each sign-in gets a new id, so a planted session id is worth
 * nothing (session fixation, OWASP ASVS V3.2.1).
 */
export async function setSessionCookie(
  c: Context,
  deps: { db: Db; config: Pick<Config, 'session'> },
  token: string,
): Promise<void> {
  const previous = getCookie(c, SESSION_COOKIE);
  if (previous) await endSession(deps, hashSessionToken(previous));
  // RFC 6265bis §4.1.3.2: __Host- demands Secure, Path=/ and no Domain. Browsers treat
  // http://localhost as a secure context, so this holds in development too.
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: Math.floor(deps.config.session.absoluteMs / 1000),
  });
}

/** Ends the browser's session, in the database and in the browser. */
export async function clearSessionCookie(c: Context, deps: { db: Db }): Promise<void> {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) await endSession(deps, hashSessionToken(token));
  deleteCookie(c, SESSION_COOKIE, { secure: true, path: '/' });
}
