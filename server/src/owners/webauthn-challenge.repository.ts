import type { Executor } from '../db/database.ts';
import type { NewWebauthnChallengeRow, WebauthnChallengeRow } from './webauthn-challenge.table.ts';

export async function insertChallenge(db: Executor, row: NewWebauthnChallengeRow): Promise<void> {
  await db.insertInto('webauthn_challenges').values(row).execute();
}

/**
 * Deletes a challenge and returns it, in one statement: of two requests
 * racing with the same challenge, only one gets the row back.
 */
export async function takeChallenge(
  db: Executor,
  challenge: string,
): Promise<WebauthnChallengeRow | undefined> {
  return db
    .deleteFrom('webauthn_challenges')
    .where('challenge', '=', challenge)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteExpiredChallenges(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).execute();
}
