import type { Executor } from '../db/database.ts';

// The replay tables have one writer, this file. Kysely for single uses from any service; the raw
// text only for the redeem's group commit, which runs prepared statements (see audit.repository.ts).

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

/** Spends one DPoP proof `jti` (hash, expiry); no change when it was spent: the SQLite redeem prepares it once. */
export const SPEND_DPOP_JTI_SQL =
  'INSERT INTO dpop_proof_jtis (jti_hash, expires_at) VALUES (?, ?) ON CONFLICT (expires_at, jti_hash) DO NOTHING';

/** Spends a batch of DPoP proof `jti`s ($1 hashes, $2 expiries) on PostgreSQL, returning those that were fresh. */
export const SPEND_DPOP_JTIS_SQL = `
    INSERT INTO dpop_proof_jtis (jti_hash, expires_at)
    SELECT * FROM unnest($1::text[], $2::bigint[])
    ON CONFLICT (expires_at, jti_hash) DO NOTHING
    RETURNING jti_hash, expires_at`;

/**
 * Gives back a batch of spent DPoP proof `jti`s (hashes at `$first`, expiries
 * after): a statement fragment, for a group commit whose redeems were refused
 * after spending them.
 */
export function unspendDpopJtisSql(first: number): string {
  return `DELETE FROM dpop_proof_jtis AS d
      USING unnest($${first}::text[], $${first + 1}::bigint[]) AS j(jti_hash, expires_at)
      WHERE d.jti_hash = j.jti_hash AND d.expires_at = j.expires_at`;
}
