import { randomInt } from 'node:crypto';
import { KithError } from '../http/kith-error.ts';
import type { PasskeyDeps, SignedIn } from './passkey.service.ts';
import {
  countUnusedRecoveryCodes,
  deleteOwnerRecoveryCodes,
  findRecoveryCode,
  insertRecoveryCodes,
  spendRecoveryCode,
} from './recovery-code.repository.ts';
import { endOtherSessions, isFreshlyAuthenticated, type Session, startSession } from './session.service.ts';
import { countSignInFailure, isOverSignInBudget, signInRateLimited } from './sign-in-rate-limit.ts';

/** How many codes an owner holds after (re)generating them. */
export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32: no I, L, O or U, so codes survive being read aloud or copied by hand.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 16; // 80 bits

/**
 * Replaces the owner's recovery codes with ten new ones and returns them: the
 * only time they are ever shown. Needs a fresh proof of presence.
 *
 * @example
 * const codes = await regenerateRecoveryCodes(deps, { ownerId, session }); // ['7Q2F-…', …]
 */
export async function regenerateRecoveryCodes(
  deps: PasskeyDeps,
  input: { ownerId: string; session: Session },
): Promise<string[]> {
  if (!isFreshlyAuthenticated(deps, input.session)) throw new KithError('REAUTHENTICATION_REQUIRED');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await deleteOwnerRecoveryCodes(trx, input.ownerId);
    await insertRecoveryCodes(
      trx,
      codes.map((code) => ({
        code_hash: hashRecoveryCode(deps, normaliseRecoveryCode(code) ?? ''),
        owner_id: input.ownerId,
        created_at: now,
        used_at: null,
      })),
    );
  });
  deps.logger?.info({ ownerId: input.ownerId }, 'recovery_codes.regenerated');
  return codes;
}

/** How many unspent recovery codes the owner has. */
export async function recoveryCodesLeft(deps: PasskeyDeps, ownerId: string): Promise<number> {
  return countUnusedRecoveryCodes(deps.db, ownerId);
}

/**
 * Signs in with a recovery code: spends it, ends every other session of the
 * owner (whoever lost the passkeys may not be the only one holding a
 * session), and starts a fresh one that may register a new passkey at once.
 * Every failure is `SIGN_IN_FAILED`, as for passkeys. Wrong codes count
 * against the client address, in a budget of their own: a code is a secret
 * that could in principle be guessed, so past the budget codes are refused
 * before they are looked up — and passkey sign-ins are untouched.
 */
export async function signInWithRecoveryCode(
  deps: PasskeyDeps,
  input: { code: string; userAgent: string | null; clientAddress: string },
): Promise<SignedIn> {
  if (await isOverSignInBudget(deps, 'recovery-address', input.clientAddress)) throw signInRateLimited(deps);
  const code = normaliseRecoveryCode(input.code);
  const codeHash = code && hashRecoveryCode(deps, code);
  const row = codeHash ? await findRecoveryCode(deps.db, codeHash) : undefined;
  if (!row || !(await spendRecoveryCode(deps.db, row.code_hash, deps.clock.now()))) {
    await countSignInFailure(deps, 'recovery-address', input.clientAddress);
    throw new KithError('SIGN_IN_FAILED');
  }
  await endOtherSessions(deps, row.owner_id);
  deps.logger?.info({ ownerId: row.owner_id }, 'recovery_code.used');
  return startSession(deps, { ownerId: row.owner_id, userAgent: input.userAgent, authenticated: true });
}

function newRecoveryCode(): string {
  const chars = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return chars.match(/.{4}/g)?.join('-') ?? chars;
}

/** Upper-cases, drops spaces and dashes, reads O as 0 and I or L as 1; undefined if it cannot be a code. */
function normaliseRecoveryCode(raw: string): string | undefined {
  const code = raw
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replaceAll('O', '0')
    .replace(/[IL]/g, '1');
  return code.length === CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

// Keyed (HMAC under a key derived from the master key): a stolen database alone cannot be searched for codes.
function hashRecoveryCode(deps: Pick<PasskeyDeps, 'keys'>, normalised: string): string {
  return deps.keys.blindIndex('recovery-code', normalised);
}
