import type { Kysely } from 'kysely';

// How far each owner's access-log chain has been verified, so the owner's
// pages verify only the entries added since instead of the whole chain on
// every view (a vendor can add a million entries in an hour). A table of its
// own, not columns on the owner's row: every append locks that row, and the
// verifier must not queue behind redeems nor they behind it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_log_checkpoints')
    .addColumn('owner_id', 'text', (c) => c.primaryKey().references('owners.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint', (c) => c.notNull())
    .addColumn('broken_at', 'integer')
    .addColumn('reason', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_log_checkpoints').execute();
}
