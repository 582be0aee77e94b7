import type { Executor } from '../db/database.ts';
import type { GrantRow, GrantUpdate, NewGrantRow } from './grant.table.ts';

export async function insertGrant(db: Executor, row: NewGrantRow): Promise<void> {
  await db.insertInto('grants').values(row).execute();
}

export async function findGrantById(db: Executor, id: string): Promise<GrantRow | undefined> {
  return db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateGrant(db: Executor, id: string, set: GrantUpdate): Promise<void> {
  await db.updateTable('grants').set(set).where('id', '=', id).execute();
}

/** Revokes if not yet revoked; tells whether this call did it. */
export async function revokeGrantRow(
  db: Executor,
  id: string,
  at: number,
  by: 'owner' | 'vendor',
): Promise<boolean> {
  const result = await db
    .updateTable('grants')
    .set({ revoked_at: at, revoked_by: by })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findOwnerGrants(db: Executor, ownerId: string, clientId?: string): Promise<GrantRow[]> {
  let query = db.selectFrom('grants').selectAll().where('owner_id', '=', ownerId);
  if (clientId) query = query.where('client_id', '=', clientId);
  return query.orderBy('created_at', 'desc').execute();
}
