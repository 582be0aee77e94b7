import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.ts';
import { KithError } from '../http/kith-error.ts';
import { newToken } from '../ids.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { SESSION_COOKIE } from '../owners/require-owner.ts';
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
    const expected = keys.blindIndex('csrf', `${secret}|${getCookie(c, SESSION_COOKIE) ?? ''}`);
    c.set('csrfToken', expected);
    if (SAFE_METHODS.has(c.req.method)) return next();

    // Under our `Referrer-Policy: no-referrer` browsers send `Origin: null` even from our own
    // pages (Fetch §3.1.5, "serializing a request origin"): null says nothing, so it is left to
    // Sec-Fetch-Site and the token. A real foreign origin is refused outright.
    const requestOrigin = c.req.header('origin');
    if (requestOrigin !== undefined && requestOrigin !== 'null' && requestOrigin !== origin) {
      throw new KithError('CSRF_FAILED');
    }
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new KithError('CSRF_FAILED');

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
