import { hash } from 'node:crypto';

/** SHA-256 as base64url: how codes and tokens are stored, so a database leak hands out neither. */
export function sha256(text: string): string {
  // One-shot: no Hash object, which the garbage collector would have to finalise, on the redeem path.
  return hash('sha256', text, 'base64url');
}
