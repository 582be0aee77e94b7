import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

/** Every address of a host name, as `dns.lookup(host, { all: true })` gives them. */
export type LookupAll = (
  hostname: string,
  callback: (error: Error | null, addresses: LookupAddress[]) => void,
) => void;

/** Options of {@link guardedRequest}. */
export interface GuardedRequestOptions {
  method: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Whether the socket may connect to this address. */
  allowed: (address: string) => boolean;
  /** The error a request to a refused address fails with. */
  refused: (hostname: string) => Error;
  /** How a host name resolves; `dns.lookup` unless a test hands in another. */
  lookupAll?: LookupAll;
}

const systemLookup: LookupAll = (hostname, callback) =>
  dnsLookup(hostname, { all: true, verbatim: true }, callback);

/**
 * The one way the vault reaches a URL a vendor named (its metadata document,
 * its webhook receiver): an HTTP(S) request that connects only where `allowed`
 * says yes. The check runs inside the socket's own DNS lookup, so the address
 * checked is the address connected to: a name that resolves to a public
 * address when asked once and to a private one a moment later (DNS
 * rebinding) gets nowhere. Every address of the name must be allowed, since
 * the socket may try any of them. An IP literal, connected to without a
 * lookup, is judged before the request starts (and throws `refused`). One
 * fresh connection per request: a pooled socket would skip the lookup, and
 * its check. Redirects are never followed (node:http does not).
 *
 * @example
 * const req = guardedRequest(new URL('https://shop.example/kith.json'), {
 *   method: 'GET', headers: {}, allowed: isPublicAddress, refused: (host) => new Error(`${host} refused`),
 * });
 */
export function guardedRequest(url: URL, options: GuardedRequestOptions): ClientRequest {
  const { allowed, refused, lookupAll = systemLookup } = options;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) && !allowed(host)) throw refused(host);
  return (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: options.method,
    headers: options.headers,
    agent: false,
    ...(options.signal ? { signal: options.signal } : {}),
    lookup: (hostname, lookupOptions, callback) => {
      lookupAll(hostname, (error, addresses) => {
        if (error) return callback(error, '', 4);
        if (addresses.length === 0 || !addresses.every((a) => allowed(a.address))) {
          return callback(refused(hostname), '', 4);
        }
        // With autoSelectFamily, net asks for every address at once (`all: true`).
        if ((lookupOptions as { all?: boolean }).all) {
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        }
        const [first] = addresses as [LookupAddress];
        callback(null, first.address, first.family);
      });
    },
  });
}
