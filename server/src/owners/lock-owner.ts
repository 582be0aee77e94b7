import { isPostgres } from '../db/column-types.ts';
import type { Executor } from '../db/database.ts';
import type { OwnerRow } from './owner.table.ts';

// Every write that must not interleave with another on one owner's data (the
// profile, grants, contact terms, relationships, terms, the access log chain)
// starts here: one named place for the owner lock the domains share.

/**
 * Reads an owner's row inside a transaction and, on PostgreSQL, locks it until
 * commit (SQLite already runs one writer at a time).
 */
export async function lockOwner(trx: Executor, id: string): Promise<OwnerRow | undefined> {
  const query = trx.selectFrom('owners').selectAll().where('id', '=', id);
  return (isPostgres(trx) ? query.forUpdate() : query).executeTakeFirst();
}
