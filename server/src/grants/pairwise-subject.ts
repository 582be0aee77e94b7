import type { VaultKeys } from '../keys/vault-keys.ts';

/**
 * The subject id one vendor knows an owner by: a keyed hash of the owner and
 * the vendor's client id. The same for every grant between the two, useless
 * to any other vendor (OpenID Connect Core §8.1, pairwise identifiers), and
 * needing no table: it is recomputed, never looked up.
 */
export function pairwiseSubject(keys: VaultKeys, ownerId: string, clientId: string): string {
  return keys.blindIndex('pairwise-subject', `${ownerId}|${clientId}`);
}
