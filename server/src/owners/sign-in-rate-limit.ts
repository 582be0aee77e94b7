import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { hitRateLimit } from './rate-limit.repository.ts';

export interface SignInRateLimitDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
  config: Pick<Config, 'signIn'>;
}

/**
 * Counts a sign-in attempt from one client address and refuses it past the
 * configured budget. The counter lives in the database so that every server
 * process shares it; the address is stored as a keyed hash, not in the clear.
 */
export async function limitSignInAttempts(deps: SignInRateLimitDeps, clientAddress: string): Promise<void> {
  const { maxAttempts, windowMs } = deps.config.signIn;
  const key = `sign-in:${deps.keys.blindIndex('rate-limit', clientAddress)}`;
  const count = await hitRateLimit(deps.db, key, deps.clock.now(), windowMs);
  if (count > maxAttempts) {
    // RFC 9110 §10.2.3: tell the client when to come back, at worst a whole window later.
    throw new KithError('RATE_LIMITED', { headers: { 'retry-after': String(Math.ceil(windowMs / 1000)) } });
  }
}
