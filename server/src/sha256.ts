import { hash } from 'node:crypto';

/** SHA-256 as base64url: how codes and tokens are stored (a database leak hands out neither), and the access log chains. */
export function sha256(text: string): string {
  // One-shot: no Hash object, which the garbage collector would have to finalise, on the redeem path.
  return hash('sha256', text, 'base64url');
}
