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
  await limit(deps, 'sign-in', clientAddress, deps.config.signIn.maxAttempts);
}

/**
 * Counts a sign-in challenge handed to an anonymous client: each one is a
 * database row, so an unauthenticated loop must not be able to mint them
 * without end. Pages ask for one on load (autofill) and one per button press,
 * hence a budget five times the attempts'.
 */
export async function limitSignInChallenges(deps: SignInRateLimitDeps, clientAddress: string): Promise<void> {
  await limit(deps, 'challenge', clientAddress, deps.config.signIn.maxAttempts * 5);
}

async function limit(
  deps: SignInRateLimitDeps,
  scope: string,
  clientAddress: string,
  max: number,
): Promise<void> {
  const { windowMs } = deps.config.signIn;
  const key = `${scope}:${deps.keys.blindIndex('rate-limit', clientAddress)}`;
  const count = await hitRateLimit(deps.db, key, deps.clock.now(), windowMs);
  if (count > max) {
    // RFC 9110 §10.2.3: tell the client when to come back, at worst a whole window later.
    throw new KithError('RATE_LIMITED', { headers: { 'retry-after': String(Math.ceil(windowMs / 1000)) } });
  }
}
