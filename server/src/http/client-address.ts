import type { IncomingMessage } from 'node:http';
import parseForwarded from 'forwarded-parse';
import type { Context } from 'hono';
import proxyAddr from 'proxy-addr';

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
 * it. A request with `Forwarded` (RFC 7239) and no `X-Forwarded-For` is judged
 * by the `for=` of its elements, the same way.
 */
export function clientAddress(c: Context, config: { trustedProxies: readonly string[] }): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Requests handed to app.request() in tests have no socket.
  if (!incoming?.socket) return 'unknown';
  try {
    return proxyAddr(withForwardedFor(incoming), trustOf(config.trustedProxies)) || 'unknown';
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

/**
 * The request as proxy-addr reads it: `X-Forwarded-For` as sent, or else the
 * addresses of a `Forwarded` header's `for=` parameters in the same order
 * (RFC 7239 §5.2), parsed by `forwarded-parse`. An element without a usable
 * address (`unknown`, an obfuscated `_name`, RFC 7239 §6.2–6.3) stands as
 * `unknown`, which no trust list matches, so the walk stops there. A header
 * that does not parse is ignored.
 */
function withForwardedFor(incoming: IncomingMessage): IncomingMessage {
  const forwarded = incoming.headers.forwarded;
  if (incoming.headers['x-forwarded-for'] !== undefined || typeof forwarded !== 'string') return incoming;
  let hops: string[];
  try {
    hops = parseForwarded(forwarded).map((element) => addressOf(element.for));
  } catch {
    return incoming;
  }
  const headers = { ...incoming.headers, 'x-forwarded-for': hops.join(', ') };
  return { headers, socket: incoming.socket, connection: incoming.socket } as unknown as IncomingMessage;
}

// RFC 7239 §6: `for` is an IPv4 address, a quoted "[IPv6]", either with an optional port, or an identifier.
function addressOf(node: string | undefined): string {
  if (node === undefined) return 'unknown';
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::\d+|:_[\w.-]+)?$/.exec(node);
  if (v6?.[1]) return v6[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+|:_[\w.-]+)?$/.exec(node);
  return v4?.[1] ?? 'unknown';
}
