import type { Executor } from '../db/database.ts';
import type { NewProfileFieldRow, ProfileFieldRow } from './profile.table.ts';

export async function findProfileFields(db: Executor, ownerId: string): Promise<ProfileFieldRow[]> {
  return db
    .selectFrom('profile_fields')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .orderBy('path')
    .execute();
}

export async function upsertProfileField(db: Executor, row: NewProfileFieldRow): Promise<void> {
  await db
    .insertInto('profile_fields')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['owner_id', 'path']).doUpdateSet({
        value_sealed: row.value_sealed,
        version: row.version,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}
