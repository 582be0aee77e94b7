import type { Executor } from '../db/database.ts';
import type { EnrollmentRow, NewEnrollmentRow } from './enrollment.table.ts';

export async function insertEnrollment(db: Executor, row: NewEnrollmentRow): Promise<void> {
  await db.insertInto('enrollments').values(row).execute();
}

export async function findEnrollment(db: Executor, tokenHash: string): Promise<EnrollmentRow | undefined> {
  return db.selectFrom('enrollments').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Binds a first-owner enrollment to the owner it just created; false if another request got there first. */
export async function claimEnrollment(db: Executor, tokenHash: string, ownerId: string): Promise<boolean> {
  const result = await db
    .updateTable('enrollments')
    .set({ owner_id: ownerId })
    .where('token_hash', '=', tokenHash)
    .where('owner_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Marks an enrollment used; false if it already was (two tabs racing). */
export async function spendEnrollment(db: Executor, tokenHash: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable('enrollments')
    .set({ used_at: at })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Voids every unused enrollment link of an owner (a reset makes older links useless). */
export async function voidOwnerEnrollments(db: Executor, ownerId: string, at: number): Promise<void> {
  await db
    .updateTable('enrollments')
    .set({ used_at: at })
    .where('owner_id', '=', ownerId)
    .where('used_at', 'is', null)
    .execute();
}
