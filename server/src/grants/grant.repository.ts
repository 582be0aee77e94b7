import { isPostgres } from '../db/column-types.ts';
import type { Executor } from '../db/database.ts';
import type { GrantRow, GrantUpdate, NewGrantRow } from './grant.table.ts';

export async function insertGrant(db: Executor, row: NewGrantRow): Promise<void> {
  await db.insertInto('grants').values(row).execute();
}

export async function findGrantById(db: Executor, id: string): Promise<GrantRow | undefined> {
  return db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Reads a grant inside a transaction, locked against a concurrent revoke:
 * `FOR SHARE` lets redeems of one grant run side by side while a revoke's
 * `FOR UPDATE` waits for them, and they for it. SQLite runs one transaction
 * at a time, so it needs no lock clause.
 */
export async function lockGrant(
  trx: Executor,
  id: string,
  mode: 'share' | 'update',
): Promise<GrantRow | undefined> {
  const query = trx.selectFrom('grants').selectAll().where('id', '=', id);
  if (!isPostgres(trx)) return query.executeTakeFirst();
  return (mode === 'share' ? query.forShare() : query.forUpdate()).executeTakeFirst();
}

export async function updateGrant(db: Executor, id: string, set: GrantUpdate): Promise<void> {
  await db.updateTable('grants').set(set).where('id', '=', id).execute();
}

/** Issues a grant's token if none was issued yet; tells whether this call did it. */
export async function collectUncollectedGrant(db: Executor, id: string, set: GrantUpdate): Promise<boolean> {
  const result = await db
    .updateTable('grants')
    .set(set)
    .where('id', '=', id)
    .where('collected_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
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

/**
 * The owner's live grants (not revoked, not expired), collected or not,
 * oldest first; to one vendor when `clientId` is given.
 */
export async function findLiveGrants(
  db: Executor,
  ownerId: string,
  now: number,
  clientId?: string,
): Promise<GrantRow[]> {
  let query = db
    .selectFrom('grants')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now);
  if (clientId !== undefined) query = query.where('client_id', '=', clientId);
  return query.orderBy('created_at').orderBy('id').execute();
}
