import { createHash } from 'node:crypto';

/** SHA-256 as base64url: how codes and tokens are stored, so a database leak hands out neither. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
