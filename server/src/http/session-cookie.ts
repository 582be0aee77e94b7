/**
 * The session cookie. `__Host-` makes the browser refuse it unless it was set
 * Secure, from this host, for path `/` (RFC 6265bis §4.1.3.2).
 */
export const SESSION_COOKIE = '__Host-kith_session';
