import { randomBytes } from 'node:crypto';

/**
 * A new random identifier with a readable prefix (`own_…`, `grt_…`): 128 bits
 * of randomness, base64url, so ids are unguessable and need no coordination
 * between server processes.
 */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** A random secret token for cookies and one-time links: 256 bits, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}
