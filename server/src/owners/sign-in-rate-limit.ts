import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { hitRateLimit, readRateLimit } from '../rate-limit/rate-limit.repository.ts';

export interface SignInRateLimitDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
  config: Pick<Config, 'signIn'>;
}

/**
 * What a failure is counted against. Each is its own budget, so failures of
 * one kind never spend another's: wrong recovery codes cannot hold back a
 * passkey, and one owner's typing cannot hold back another's.
 *
 * - `passkey-address`, `passkey-credential`: failed passkey sign-ins, by
 *   client address and by the credential id they named.
 * - `recovery-address`: wrong recovery codes (a wrong code names no owner).
 * - `reauthenticate-owner`: failed re-authentications inside a session.
 * - `user-code-owner`: user codes an owner typed that matched no request.
 */
export type SignInBudget =
  | 'passkey-address'
  | 'passkey-credential'
  | 'recovery-address'
  | 'reauthenticate-owner'
  | 'user-code-owner';

/** Whether `subject` already failed as often as its budget allows in this window. */
export async function isOverSignInBudget(
  deps: SignInRateLimitDeps,
  budget: SignInBudget,
  subject: string,
): Promise<boolean> {
  const { maxAttempts, windowMs } = deps.config.signIn;
  return (
    (await readRateLimit(deps.db, keyOf(deps, budget, subject), deps.clock.now(), windowMs)) >= maxAttempts
  );
}

/**
 * Counts one failure against `subject` and says whether it is now past its
 * budget. The counter lives in the database so that every server process
 * shares it; the subject is stored as a keyed hash, not in the clear.
 */
export async function countSignInFailure(
  deps: SignInRateLimitDeps,
  budget: SignInBudget,
  subject: string,
): Promise<boolean> {
  const { maxAttempts, windowMs } = deps.config.signIn;
  return (
    (await hitRateLimit(deps.db, keyOf(deps, budget, subject), deps.clock.now(), windowMs)) > maxAttempts
  );
}

/** `RATE_LIMITED`, telling the client when to come back: at worst a whole window later (RFC 9110 §10.2.3). */
export function signInRateLimited(deps: Pick<SignInRateLimitDeps, 'config'>): KithError {
  const seconds = Math.ceil(deps.config.signIn.windowMs / 1000);
  return new KithError('RATE_LIMITED', { headers: { 'retry-after': String(seconds) } });
}

function keyOf(deps: SignInRateLimitDeps, budget: SignInBudget, subject: string): string {
  return `${budget}:${deps.keys.blindIndex('rate-limit', subject)}`;
}
