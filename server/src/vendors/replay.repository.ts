import type { Executor } from '../db/database.ts';

type JtiTableName = 'dpop_proof_jtis' | 'client_assertion_jtis';

/**
 * Records a `jti` as used; false when it already was. One atomic insert —
 * never a look followed by a save — so of many concurrent uses exactly one
 * goes in, on SQLite and PostgreSQL alike.
 */
export async function insertJtiOnce(
  db: Executor,
  table: JtiTableName,
  row: { jti_hash: string; expires_at: number },
): Promise<boolean> {
  const result = await db
    .insertInto(table)
    .values(row)
    .onConflict((oc) => oc.columns(['expires_at', 'jti_hash']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function deleteExpiredJtis(db: Executor, table: JtiTableName, now: number): Promise<number> {
  const result = await db.deleteFrom(table).where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
