import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** Every address of a host name, as `dns.lookup(host, { all: true })` gives them. */
export type LookupAll = (
  hostname: string,
  callback: (error: Error | null, addresses: LookupAddress[]) => void,
) => void;

/** The connection was refused because the host resolved to an address that is not allowed. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for plain GETs that connects only where `allowed` says yes. The
 * check runs inside the socket's own DNS lookup, so the address checked is
 * the address connected to: a name that resolves to a public address when
 * asked once and to a private one a moment later (DNS rebinding) gets
 * nowhere. Every address of the name must be allowed, as in the pre-check.
 * It never follows redirects.
 *
 * @example
 * const res = await createPinnedFetch(isPublicAddress)('https://shop.example/kith.json', { signal });
 */
export function createPinnedFetch(
  allowed: (address: string) => boolean,
  lookupAll: LookupAll = (hostname, callback) => dnsLookup(hostname, { all: true, verbatim: true }, callback),
): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        url,
        {
          method: 'GET',
          // A fresh connection each time: a pooled socket would skip the lookup, and its check.
          agent: false,
          headers: Object.fromEntries(new Headers(init?.headers).entries()),
          ...(init?.signal ? { signal: init.signal } : {}),
          lookup: (hostname, options, callback) => {
            lookupAll(hostname, (error, addresses) => {
              if (error) return callback(error, '', 4);
              if (addresses.length === 0 || !addresses.every((a) => allowed(a.address))) {
                return callback(new AddressRefusedError(`${hostname} resolves to a refused address`), '', 4);
              }
              // With autoSelectFamily, net asks for every address at once (`all: true`).
              if ((options as { all?: boolean }).all) {
                return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
              }
              const [first] = addresses as [LookupAddress];
              callback(null, first.address, first.family);
            });
          },
        },
        (res) => resolve(toResponse(res)),
      );
      req.on('error', reject);
      req.end();
    });
}

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const status = res.statusCode ?? 502;
  if (NULL_BODY_STATUSES.has(status)) {
    res.resume();
    return new Response(null, { status, headers });
  }
  return new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers });
}
