import type { Kysely } from 'kysely';

// Every redeem appends to the access log, and every index on it is one more
// B-tree insert (and, at random, one more page written) per redeem. No query
// looks entries up by grant: reads per grant are counted within one owner's
// log, which its primary key (owner_id, seq) already orders.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_log_grant').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('access_log_grant').on('access_log').columns(['grant_id', 'at']).execute();
}
