import { isLoopbackHost } from '../config.ts';
import { guardedRequest } from '../net/guarded-request.ts';
import { isLoopbackAddress, isPublicAddress } from '../net/public-address.ts';

/**
 * One webhook POST; the status is all the vault reads of the answer. It
 * settles once the answer's body has ended, reached the byte bound, or the
 * signal fired (whichever is first), so the signal bounds the whole attempt.
 */
export type WebhookFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number; bodyBytes?: number }>;

/**
 * The most of an answer's body the vault reads: enough for any receiver's
 * "ok" page, far too little for one that streams to hold memory or a socket.
 */
export const WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024;

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
 * The answer's status decides the outcome. Its body is read and thrown away
 * until it ends, until `maxResponseBytes` would be passed, or until the
 * signal fires, and then the socket is destroyed: a receiver that streams an
 * endless answer, or never finishes one, holds the connection no longer than
 * the attempt's timeout.
 *
 * @example
 * const post = guardedWebhookFetch({ allowLoopback: false });
 * const { status } = await post('https://shop.example/kith/webhooks', { method: 'POST', headers, body, signal });
 */
export function guardedWebhookFetch(options: {
  allowLoopback: boolean;
  maxResponseBytes?: number;
}): WebhookFetch {
  const maxResponseBytes = options.maxResponseBytes ?? WEBHOOK_MAX_RESPONSE_BYTES;
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
      // One connection per attempt (nothing pooled outlives the worker), checked where it connects.
      const request = guardedRequest(target, {
        method: init.method,
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        signal: init.signal,
        allowed,
        refused: () => new WebhookAddressError('webhook_uri is not on a public address'),
      });
      let status: number | undefined;
      let bodyBytes = 0;
      // Whatever ends the attempt ends its connection too: nothing is left open behind it.
      const finish = () => {
        request.destroy();
        if (status !== undefined) resolve({ status, bodyBytes });
      };
      request.on('response', (response) => {
        status = response.statusCode ?? 0;
        response.on('data', (chunk: Buffer) => {
          // A chunk that would pass the bound is not counted as read: the attempt ends here.
          if (bodyBytes + chunk.length > maxResponseBytes) return finish();
          bodyBytes += chunk.length;
        });
        response.on('end', finish);
        // The signal firing mid-body destroys the response; the status already decided the outcome.
        response.on('close', finish);
        response.on('error', finish);
      });
      request.on('error', (error) => {
        // After the status line, an abort (the attempt's deadline) or a reset only cuts the body short.
        if (status !== undefined) finish();
        else reject(error);
      });
      request.end(init.body);
    });
}
