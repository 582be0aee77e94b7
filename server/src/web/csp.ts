import { randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { WebEnv } from './web.env.ts';

/**
 * A strict Content-Security-Policy with a fresh nonce per response: scripts
 * run only if they carry this response's nonce, styles come only from our own
 * origin, nothing may frame the page, and forms post only to us. Put the
 * nonce on every `<script>` with `c.get('cspNonce')`.
 *
 * @example
 * router.get('/approve', contentSecurityPolicy(), (c) => c.html(<script nonce={c.get('cspNonce')} src="/static/kith.js" />));
 */
export function contentSecurityPolicy(): MiddlewareHandler<WebEnv> {
  return async function contentSecurityPolicy(c, next) {
    const nonce = randomBytes(16).toString('base64');
    c.set('cspNonce', nonce);
    await next();
    c.header(
      'content-security-policy',
      [
        "default-src 'none'",
        // CSP3 §8.2: only scripts carrying this response's nonce run; no inline handlers, no eval.
        `script-src 'nonce-${nonce}'`,
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        // A form may also lead to a vendor's registered redirect URI (the approval page's answer).
        ['form-action', "'self'", ...(c.get('cspFormActions') ?? [])].join(' '),
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    c.header('x-frame-options', 'DENY');
    c.header('cross-origin-opener-policy', 'same-origin');
    c.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  };
}
