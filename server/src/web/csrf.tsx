import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.ts';
import type { AppEnv } from '../env.ts';
import { KithError } from '../http/kith-error.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { newToken } from '../ids.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import type { WebEnv } from './web.env.ts';

/** The browser's CSRF secret: `__Host-` so no sibling host can plant one (RFC 6265bis §4.1.3.2). */
export const CSRF_COOKIE = '__Host-kith_csrf';
/** The form field a token travels in. */
export const CSRF_FIELD = '_csrf';
/** The header a token travels in on `fetch` requests. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfOptions {
  keys: Pick<VaultKeys, 'blindIndex'>;
  config: Pick<Config, 'publicUrl'>;
}

/**
 * CSRF protection for forms and ceremony requests, in two layers:
 *
 * 1. Fetch metadata and origin: a browser sends `Origin` on every POST and
 *    `Sec-Fetch-Site` on every request; anything not from our own origin is
 *    refused (OWASP CSRF Cheat Sheet, "Verifying origin with standard headers").
 * 2. A signed double-submit token: an HMAC of a random cookie and the session
 *    cookie, sent back in the `_csrf` field or the `x-csrf-token` header.
 *    Bound to the session, a token leaked from one session is useless in another.
 *
 * Sets `c.get('csrfToken')` for pages to render with `<CsrfField />`.
 *
 * @example
 * router.post('/approve', csrfProtection({ keys, config }), handler);
 */
export function csrfProtection({ keys, config }: CsrfOptions): MiddlewareHandler<WebEnv> {
  const origin = config.publicUrl.origin;
  return async function csrfProtection(c, next) {
    let secret = getCookie(c, CSRF_COOKIE);
    if (!secret || secret.length > 100) {
      secret = newToken();
      setCookie(c, CSRF_COOKIE, secret, { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    }
    const expected = csrfTokenFor(keys, secret, getCookie(c, SESSION_COOKIE));
    c.set('csrfToken', expected);
    if (SAFE_METHODS.has(c.req.method)) return next();

    refuseForeignOrigin(c, origin);

    let sent = c.req.header(CSRF_HEADER);
    if (
      sent === undefined &&
      /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '')
    ) {
      // Parsed with `all: true` once here; Hono caches the result for the route handler.
      sent = formString(await c.req.parseBody({ all: true }), CSRF_FIELD);
    }
    if (!sent || !constantTimeEqual(sent, expected)) throw new KithError('CSRF_FAILED');
    await next();
  };
}

/** Where the owner's own writes live: the JSON API and the passkey ceremonies. */
const OWNER_WRITE_PATHS = /^\/(?:v1\/me|auth)\//;

/**
 * The same origin check the forms get, for every state-changing owner request
 * (`/v1/me/*` and `/auth/*`, whatever the method but GET, HEAD and OPTIONS),
 * mounted once in `createApp` so no route can forget it.
 *
 * `SameSite=Lax` keeps the session cookie off cross-site requests, but a page
 * on the same site (a sibling subdomain, another port on the same host) is not
 * cross-site: its `fetch(…, { mode: 'no-cors', credentials: 'include' })`
 * carries the cookie and needs no preflight. So:
 *
 * 1. A foreign `Origin`, or a `Sec-Fetch-Site` other than `same-origin` (or
 *    `none`, a user's own navigation), is refused.
 * 2. The request must then prove where it comes from: `Sec-Fetch-Site:
 *    same-origin` or an `Origin` equal to ours (both set by the browser, never
 *    by a page: Fetch §2.2.2, forbidden request headers), or else the CSRF
 *    token in `x-csrf-token`. A script outside a browser sends
 *    `Origin: <public URL>` like a browser would.
 *
 * @example
 * app.use(ownerWriteProtection({ keys, config }));
 */
export function ownerWriteProtection({ keys, config }: CsrfOptions): MiddlewareHandler<AppEnv> {
  const origin = config.publicUrl.origin;
  return async function ownerWriteProtection(c, next) {
    if (SAFE_METHODS.has(c.req.method) || !OWNER_WRITE_PATHS.test(c.req.path)) return next();
    refuseForeignOrigin(c, origin);
    if (c.req.header('sec-fetch-site') === 'same-origin' || c.req.header('origin') === origin) return next();
    const secret = getCookie(c, CSRF_COOKIE);
    const sent = c.req.header(CSRF_HEADER);
    if (
      !secret ||
      !sent ||
      !constantTimeEqual(sent, csrfTokenFor(keys, secret, getCookie(c, SESSION_COOKIE)))
    )
      throw new KithError('CSRF_FAILED', {
        detail: 'This request did not come from this vault’s own pages.',
      });
    await next();
  };
}

/**
 * Layer 1 of both checks: a request that says it comes from elsewhere is refused.
 * Under our `Referrer-Policy: no-referrer` browsers send `Origin: null` even from our own
 * pages (Fetch §3.1.5, "serializing a request origin"): null says nothing, so it is left to
 * Sec-Fetch-Site and the token. A real foreign origin is refused outright.
 */
function refuseForeignOrigin(c: Context, origin: string): void {
  const requestOrigin = c.req.header('origin');
  if (requestOrigin !== undefined && requestOrigin !== 'null' && requestOrigin !== origin) {
    throw new KithError('CSRF_FAILED');
  }
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new KithError('CSRF_FAILED');
}

// Bound to the session: a token leaked from one session is useless in another.
function csrfTokenFor(keys: CsrfOptions['keys'], secret: string, session: string | undefined): string {
  return keys.blindIndex('csrf', `${secret}|${session ?? ''}`);
}

/** The hidden field every form carries. */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

/** A form field's single string value; `undefined` if absent, repeated or a file. */
export function formString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
