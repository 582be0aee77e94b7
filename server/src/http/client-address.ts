import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import proxyAddr from 'proxy-addr';
import type { Config } from '../config.ts';

type Trust = (address: string, hop: number) => boolean;

// One compiled trust function per configured list: compiling parses every CIDR.
const compiled = new WeakMap<readonly string[], Trust>();
const trustNobody: Trust = () => false;

/**
 * The client's address, for rate limits. A forwarded header is believed only
 * when the peer is a proxy the operator listed in `KITH_TRUSTED_PROXIES`; the
 * answer is then the right-most address in `X-Forwarded-For` that is not a
 * trusted proxy (RFC 7239 §5.2 explains why everything to its left may be
 * forged). With no proxies listed the header is ignored: any client can write
 * it. `Forwarded` is not read — Caddy and nginx both send `X-Forwarded-For`.
 */
export function clientAddress(c: Context, config: Pick<Config, 'trustedProxies'>): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Requests handed to app.request() in tests have no socket.
  if (!incoming?.socket) return 'unknown';
  try {
    return proxyAddr(incoming, trustOf(config.trustedProxies)) || 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Checks a list of trusted proxies (addresses, CIDR ranges, or proxy-addr's
 * names `loopback`, `linklocal`, `uniquelocal`); throws on the first bad one.
 */
export function compileTrustedProxies(list: readonly string[]): Trust {
  return list.length === 0 ? trustNobody : proxyAddr.compile([...list]);
}

function trustOf(list: readonly string[]): Trust {
  let trust = compiled.get(list);
  if (!trust) {
    trust = compileTrustedProxies(list);
    compiled.set(list, trust);
  }
  return trust;
}
