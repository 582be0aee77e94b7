import type { Insertable, Selectable } from 'kysely';

/** What a challenge was issued for; a challenge answers only its own ceremony. */
export type ChallengePurpose = 'sign-in' | 'reauthenticate' | 'register' | 'enroll';

/**
 * An outstanding WebAuthn challenge. Kept in the database, not in memory, so
 * any server process behind a load balancer can finish a ceremony another began.
 * Sign-in challenges are stateless when issued; their row marks one spent,
 * until it would have expired.
 */
export interface WebauthnChallengeTable {
  /** The challenge itself, base64url: it is sent in the clear and is not a secret. */
  challenge: string;
  purpose: ChallengePurpose;
  /** The owner the ceremony is for (register, reauthenticate, enroll). */
  owner_id: string | null;
  /** The enrollment link the ceremony answers (enroll). */
  enrollment_hash: string | null;
  created_at: number;
  expires_at: number;
}

export type WebauthnChallengeRow = Selectable<WebauthnChallengeTable>;
export type NewWebauthnChallengeRow = Insertable<WebauthnChallengeTable>;
