import type { Executor } from '../db/database.ts';
import type {
  ChallengePurpose,
  NewWebauthnChallengeRow,
  WebauthnChallengeRow,
} from './webauthn-challenge.table.ts';

export async function insertChallenge(db: Executor, row: NewWebauthnChallengeRow): Promise<void> {
  await db.insertInto('webauthn_challenges').values(row).execute();
}

/**
 * Remembers a stateless challenge as spent; false when it already was. One
 * unique insert: of two requests racing with the same challenge, one wins.
 */
export async function insertSpentChallenge(db: Executor, row: NewWebauthnChallengeRow): Promise<boolean> {
  const inserted = await db
    .insertInto('webauthn_challenges')
    .values(row)
    .onConflict((oc) => oc.column('challenge').doNothing())
    .returning('challenge')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Deletes a challenge issued for `purpose` and returns it, in one statement:
 * of two requests racing with the same challenge, only one gets the row back.
 * A row of another purpose (a spent sign-in challenge among them) is left alone.
 */
export async function takeChallenge(
  db: Executor,
  challenge: string,
  purpose: ChallengePurpose,
): Promise<WebauthnChallengeRow | undefined> {
  return db
    .deleteFrom('webauthn_challenges')
    .where('challenge', '=', challenge)
    .where('purpose', '=', purpose)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteExpiredChallenges(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).execute();
}
