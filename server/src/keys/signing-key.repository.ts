import { isPostgres } from '../db/column-types.ts';
import type { Executor } from '../db/database.ts';
import type { NewSigningKeyRow, SigningKeyRow } from './signing-key.table.ts';

/** Every key that is current or next, and every key retired at or after `retiredSince`. */
export async function findSigningKeys(db: Executor, retiredSince: number): Promise<SigningKeyRow[]> {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('status', '!=', 'retired'), eb('retired_at', '>=', retiredSince)]))
    .orderBy('created_at', 'desc')
    .execute();
}

/** The current and next keys. */
export async function findActiveSigningKeys(db: Executor): Promise<SigningKeyRow[]> {
  return db.selectFrom('signing_keys').selectAll().where('status', 'in', ['current', 'next']).execute();
}

/**
 * Inserts a key unless one with its status already holds the slot (a unique
 * partial index allows one `current` and one `next`); tells whether it went in.
 */
export async function insertSigningKeyIfSlotFree(db: Executor, row: NewSigningKeyRow): Promise<boolean> {
  const result = await db
    .insertInto('signing_keys')
    .values(row)
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** The current and next keys, locked on PostgreSQL until the transaction ends. */
export async function lockActiveSigningKeys(trx: Executor): Promise<SigningKeyRow[]> {
  const query = trx.selectFrom('signing_keys').selectAll().where('status', 'in', ['current', 'next']);
  return (isPostgres(trx) ? query.forUpdate() : query).execute();
}

export async function retireSigningKey(trx: Executor, kid: string, at: number): Promise<void> {
  await trx
    .updateTable('signing_keys')
    .set({ status: 'retired', retired_at: at })
    .where('kid', '=', kid)
    .execute();
}

export async function activateSigningKey(trx: Executor, kid: string, at: number): Promise<void> {
  await trx
    .updateTable('signing_keys')
    .set({ status: 'current', activated_at: at })
    .where('kid', '=', kid)
    .execute();
}
