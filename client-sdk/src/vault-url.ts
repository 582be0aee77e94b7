import { clientError } from './errors.ts';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks that a vault URL is one the SDK may send credentials and grants to —
 * `https:`, or `http:` on localhost / 127.0.0.1 / [::1] for development — and
 * returns it as an issuer identifier (no trailing slash, no query or fragment).
 *
 * @example
 * vaultIssuer('https://vault.example/') // 'https://vault.example'
 * vaultIssuer('http://vault.example')   // throws UNTRUSTED_VAULT
 */
export function vaultIssuer(vault: string | URL): string {
  let url: URL;
  try {
    url = new URL(vault);
  } catch (error) {
    throw clientError('INVALID_ARGUMENT', { detail: `"${String(vault)}" is not a URL.`, cause: error });
  }
  // A grant is a bearer of personal data: it never travels in clear text, except to this very machine.
  const trusted = url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname));
  if (!trusted) throw clientError('UNTRUSTED_VAULT', { detail: `Refused: ${url.origin}.` });
  if (url.username || url.password || url.search || url.hash) {
    throw clientError('INVALID_ARGUMENT', {
      detail: 'A vault URL has no credentials, query or fragment.',
    });
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path}`;
}

/**
 * Checks that an endpoint a vault advertises lives on the vault's own origin,
 * so a grant is only ever sent to the vault that issued it.
 *
 * @example
 * assertSameOrigin('https://vault.example/v1/data', 'https://vault.example') // ok
 */
export function assertSameOrigin(endpoint: string, issuer: string): void {
  vaultIssuer(endpoint.replace(/[?#].*$/, ''));
  if (new URL(endpoint).origin !== new URL(issuer).origin) {
    throw clientError('UNTRUSTED_VAULT', {
      detail: `The endpoint ${endpoint} is not on the vault's origin ${new URL(issuer).origin}.`,
    });
  }
}
