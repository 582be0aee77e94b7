import type { Executor } from '../db/database.ts';
import type { NewRecoveryCodeRow, RecoveryCodeRow } from './recovery-code.table.ts';

export async function insertRecoveryCodes(db: Executor, rows: NewRecoveryCodeRow[]): Promise<void> {
  await db.insertInto('recovery_codes').values(rows).execute();
}

export async function deleteOwnerRecoveryCodes(db: Executor, ownerId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('owner_id', '=', ownerId).execute();
}

export async function findRecoveryCode(db: Executor, codeHash: string): Promise<RecoveryCodeRow | undefined> {
  return db.selectFrom('recovery_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Spends a code; false if it was already spent (a second request with the same code loses). */
export async function spendRecoveryCode(db: Executor, codeHash: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: at })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function countUnusedRecoveryCodes(db: Executor, ownerId: string): Promise<number> {
  const { count } = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('owner_id', '=', ownerId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(count);
}
