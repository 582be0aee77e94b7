import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { deleteExpiredChallenges, insertChallenge, takeChallenge } from './webauthn-challenge.repository.ts';
import type { ChallengePurpose, WebauthnChallengeRow } from './webauthn-challenge.table.ts';

export interface ChallengeDeps {
  db: Db;
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
 * Spends the challenge a ceremony response signed, whether or not the rest of
 * it verifies: each challenge is used once (WebAuthn L3 §13.4.3). Returns the
 * row only if it was issued for `purpose` and has not expired.
 */
export async function spendChallenge(
  deps: ChallengeDeps,
  response: unknown,
  purpose: ChallengePurpose,
): Promise<WebauthnChallengeRow | undefined> {
  const challenge = signedChallenge(response);
  if (!challenge) return undefined;
  const row = await takeChallenge(deps.db, challenge);
  if (!row || row.purpose !== purpose || deps.clock.now() >= row.expires_at) return undefined;
  return row;
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
