import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { sha256 } from '../sha256.ts';
import { deleteExpiredJtis, insertJtiOnce } from './replay.repository.ts';

export interface ReplayCacheDeps {
  db: Db;
  clock: Clock;
}

/**
 * Uses a `jti` once (by its `jtiKey`); false when it was used before. The
 * row lives until `expiresAt`, after which the token it came from is
 * refused on its own dates anyway.
 */
export async function useJtiOnce(
  deps: ReplayCacheDeps,
  table: 'dpop_proof_jtis' | 'client_assertion_jtis',
  input: { jtiHash: string; expiresAt: number },
): Promise<boolean> {
  return insertJtiOnce(deps.db, table, { jti_hash: input.jtiHash, expires_at: input.expiresAt });
}

/**
 * The replay cache's key for a `jti` from `presenter` (a key thumbprint or
 * a client id). Hashed: a fixed-size key whatever the vendor sent, and no
 * raw ids at rest.
 */
export function jtiKey(presenter: string, jti: string): string {
  return sha256(`${presenter}\n${jti}`);
}

/**
 * Deletes used `jti`s whose tokens can no longer be accepted. Run it now and
 * then (main runs it every minute); correctness never depends on it.
 *
 * @example
 * const { dpopProofs, clientAssertions } = await purgeExpiredJtis(deps);
 */
export async function purgeExpiredJtis(
  deps: ReplayCacheDeps,
): Promise<{ dpopProofs: number; clientAssertions: number }> {
  const now = deps.clock.now();
  return {
    dpopProofs: await deleteExpiredJtis(deps.db, 'dpop_proof_jtis', now),
    clientAssertions: await deleteExpiredJtis(deps.db, 'client_assertion_jtis', now),
  };
}
