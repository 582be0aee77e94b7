import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { guardedRequest, type LookupAll } from './guarded-request.ts';

/** The connection was refused because the host resolved to an address that is not allowed. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for plain GETs through {@link guardedRequest}: it connects only
 * where `allowed` says yes, checked on the address the socket connects to
 * (so DNS rebinding gets nowhere), and never follows redirects.
 *
 * @example
 * const res = await createPinnedFetch(isPublicAddress)('https://shop.example/kith.json', { signal });
 */
export function createPinnedFetch(
  allowed: (address: string) => boolean,
  lookupAll?: LookupAll,
): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const req = guardedRequest(url, {
        method: 'GET',
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
        ...(init?.signal ? { signal: init.signal } : {}),
        allowed,
        refused: (hostname) => new AddressRefusedError(`${hostname} resolves to a refused address`),
        ...(lookupAll ? { lookupAll } : {}),
      });
      req.on('response', (res) => resolve(toResponse(res)));
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
