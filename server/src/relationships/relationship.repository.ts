import type { Executor } from '../db/database.ts';
import type { GrantRow } from '../grants/grant.table.ts';
import type { ErasureRequestRow, NewErasureRequestRow } from './erasure.table.ts';

export async function insertErasureRequest(db: Executor, row: NewErasureRequestRow): Promise<void> {
  await db.insertInto('erasure_requests').values(row).execute();
}

export async function findErasureRequestById(
  db: Executor,
  id: string,
): Promise<ErasureRequestRow | undefined> {
  return db.selectFrom('erasure_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Stamps the acknowledgement unless one is there; tells whether this call did it. */
export async function acknowledgeErasureRow(db: Executor, id: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable('erasure_requests')
    .set({ acknowledged_at: at })
    .where('id', '=', id)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The owner's erasure requests, newest first, optionally to one vendor. */
export async function findErasureRequests(
  db: Executor,
  ownerId: string,
  clientId?: string,
): Promise<ErasureRequestRow[]> {
  let query = db.selectFrom('erasure_requests').selectAll().where('owner_id', '=', ownerId);
  if (clientId) query = query.where('client_id', '=', clientId);
  return query.orderBy('requested_at', 'desc').orderBy('id').execute();
}

/** Every grant of the owner to one vendor that is not revoked yet, expired or not. */
export async function findUnrevokedVendorGrants(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<GrantRow[]> {
  return db
    .selectFrom('grants')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at')
    .execute();
}

/** When the owner's newest grant to a vendor was made, or undefined if none ever was. */
export async function findLatestGrantAt(
  db: Executor,
  ownerId: string,
  clientId: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('grants')
    .select((eb) => eb.fn.max('created_at').as('latest'))
    .where('owner_id', '=', ownerId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return row?.latest === null || row?.latest === undefined ? undefined : Number(row.latest);
}
