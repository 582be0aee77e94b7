import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import {
  deleteExpiredChallenges,
  insertChallenge,
  insertSpentChallenge,
  takeChallenge,
} from './webauthn-challenge.repository.ts';
import type { ChallengePurpose, WebauthnChallengeRow } from './webauthn-challenge.table.ts';

export interface ChallengeDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
  config: Pick<Config, 'publicUrl'>;
}

/** A challenge answers within five minutes or never. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** The relying party: passkeys are bound to the public URL's host, assertions to its origin. */
export function relyingParty(config: Pick<Config, 'publicUrl'>) {
  return { rpName: 'Kith', rpID: config.publicUrl.hostname, origin: config.publicUrl.origin };
}

/** Stores a freshly issued challenge with what it was issued for. */
export async function rememberChallenge(
  deps: ChallengeDeps,
  input: { challenge: string; purpose: ChallengePurpose; ownerId?: string; enrollmentHash?: string },
): Promise<void> {
  const now = deps.clock.now();
  // Sweep on the way: abandoned ceremonies leave rows nobody else deletes.
  await deleteExpiredChallenges(deps.db, now);
  await insertChallenge(deps.db, {
    challenge: input.challenge,
    purpose: input.purpose,
    owner_id: input.ownerId ?? null,
    enrollment_hash: input.enrollmentHash ?? null,
    created_at: now,
    expires_at: now + CHALLENGE_TTL_MS,
  });
}

/**
 * A sign-in challenge, stateless until it is answered: random bytes, when it
 * expires, and a MAC under a key derived from the master key. Handing one to
 * an anonymous page costs no row, so pages may ask for one on every load
 * (autofill) and no budget stands between a visitor and a challenge.
 */
export function issueSignInChallenge(deps: Pick<ChallengeDeps, 'keys' | 'clock'>): Uint8Array {
  const body = Buffer.alloc(NONCE_BYTES + 8);
  randomBytes(NONCE_BYTES).copy(body);
  body.writeBigUInt64BE(BigInt(deps.clock.now() + CHALLENGE_TTL_MS), NONCE_BYTES);
  return Buffer.concat([body, signInChallengeMac(deps, body)]);
}

/**
 * The sign-in challenge a response signed, if this vault issued it and it has
 * not expired; says nothing about whether it was used. Nothing is written, so
 * checking a response costs no row.
 */
export function checkSignInChallenge(
  deps: Pick<ChallengeDeps, 'keys' | 'clock'>,
  response: unknown,
): { challenge: string; expiresAt: number } | undefined {
  const challenge = signedChallenge(response);
  if (!challenge) return undefined;
  const bytes = Buffer.from(challenge, 'base64url');
  if (bytes.length !== NONCE_BYTES + 8 + MAC_BYTES || bytes.toString('base64url') !== challenge)
    return undefined;
  const body = bytes.subarray(0, NONCE_BYTES + 8);
  if (!timingSafeEqual(bytes.subarray(NONCE_BYTES + 8), signInChallengeMac(deps, body))) return undefined;
  const expiresAt = Number(body.readBigUInt64BE(NONCE_BYTES));
  if (deps.clock.now() >= expiresAt) return undefined;
  return { challenge, expiresAt };
}

/**
 * Spends the challenge a ceremony response signed: each challenge is used
 * once (WebAuthn L3 §13.4.3). Returns the row only if it was issued for
 * `purpose` and has not expired. A stored challenge is spent whether or not
 * the rest of the response verifies; a sign-in challenge is remembered as
 * spent until it expires, by one unique insert.
 */
export async function spendChallenge(
  deps: ChallengeDeps,
  response: unknown,
  purpose: ChallengePurpose,
): Promise<WebauthnChallengeRow | undefined> {
  if (purpose === 'sign-in') {
    const checked = checkSignInChallenge(deps, response);
    if (!checked) return undefined;
    const now = deps.clock.now();
    await deleteExpiredChallenges(deps.db, now);
    const row = {
      challenge: checked.challenge,
      purpose,
      owner_id: null,
      enrollment_hash: null,
      created_at: now,
      expires_at: checked.expiresAt,
    };
    return (await insertSpentChallenge(deps.db, row)) ? row : undefined;
  }
  const challenge = signedChallenge(response);
  if (!challenge) return undefined;
  const row = await takeChallenge(deps.db, challenge, purpose);
  if (!row || deps.clock.now() >= row.expires_at) return undefined;
  return row;
}

const NONCE_BYTES = 16;
const MAC_BYTES = 32;

function signInChallengeMac(deps: Pick<ChallengeDeps, 'keys'>, body: Buffer): Buffer {
  return Buffer.from(deps.keys.blindIndex('sign-in-challenge', body.toString('base64url')), 'base64url');
}

/** The challenge inside a response's clientDataJSON (WebAuthn L3 §5.8.1), or undefined if unreadable. */
function signedChallenge(response: unknown): string | undefined {
  const encoded = (response as { response?: { clientDataJSON?: unknown } } | null)?.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 4096) return undefined;
  try {
    const clientData = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    return typeof clientData.challenge === 'string' && clientData.challenge.length <= 256
      ? clientData.challenge
      : undefined;
  } catch {
    return undefined;
  }
}
