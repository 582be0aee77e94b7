import { base64url } from 'jose';

/**
 * A fresh, unguessable identifier (128 random bits, base64url): the `jti` of
 * a proof or an assertion, or a `state`.
 *
 * @example
 * randomId() // 'hS1C1m3fW0g2aQ7Y5pP3xw'
 */
export function randomId(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
}
