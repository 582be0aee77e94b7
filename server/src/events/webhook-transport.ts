import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isLoopbackHost } from '../config.ts';
import { isPublicAddress } from '../vendors/public-address.ts';

/** One webhook POST; the status is all the vault reads of the answer. */
export type WebhookFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number }>;

/** Why a webhook was not sent: the URI or its address is not allowed. */
export class WebhookAddressError extends Error {
  override name = 'WebhookAddressError';
}

/**
 * The POST the delivery worker uses: HTTPS to public addresses only, checked
 * on the address the socket actually connects to (a host name that resolves
 * to a private address at connection time is refused, so DNS rebinding does
 * not get past the check). No redirects are followed. With
 * `allowLoopback` (development mode) plain http to this machine is allowed,
 * and still never to other private networks.
 *
 * @example
 * const post = guardedWebhookFetch({ allowLoopback: false });
 * const { status } = await post('https://shop.example/kith/webhooks', { method: 'POST', headers, body, signal });
 */
export function guardedWebhookFetch(options: { allowLoopback: boolean }): WebhookFetch {
  const allowed = (address: string) =>
    isPublicAddress(address) || (options.allowLoopback && isLoopbackAddress(address));
  return (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const local = options.allowLoopback && isLoopbackHost(target.hostname);
      if (target.protocol !== 'https:' && !(local && target.protocol === 'http:')) {
        reject(new WebhookAddressError('webhook_uri must be https'));
        return;
      }
      const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
      // An IP literal is connected to without a lookup: judge it here.
      if (isIP(host) && !allowed(host)) {
        reject(new WebhookAddressError('webhook_uri is not on a public address'));
        return;
      }
      const request = (target.protocol === 'https:' ? https : http).request(target, {
        method: init.method,
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        // One connection per attempt: nothing pooled outlives the worker.
        agent: false,
        signal: init.signal,
        lookup: (hostname, lookupOptions, callback) => {
          dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => {
            if (error) return callback(error, '', 4);
            // Every address, not just the first: the socket may try any of them.
            if (addresses.length === 0 || !addresses.every((a) => allowed(a.address))) {
              return callback(new WebhookAddressError('webhook_uri is not on a public address'), '', 4);
            }
            if (lookupOptions.all)
              return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
            const [first] = addresses as [LookupAddress];
            callback(null, first.address, first.family);
          });
        },
      });
      request.on('response', (response) => {
        // Only the status matters; the body is drained unread.
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      });
      request.on('error', reject);
      request.end(init.body);
    });
}

function isLoopbackAddress(address: string): boolean {
  return (
    /^127\.\d+\.\d+\.\d+$/.test(address) || address === '::1' || /^::ffff:127\.\d+\.\d+\.\d+$/i.test(address)
  );
}
