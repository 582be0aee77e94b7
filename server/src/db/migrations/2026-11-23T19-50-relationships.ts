import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The goodbye: one row each time an owner ended a relationship and asked the vendor to erase.
  await db.schema
    .createTable('erasure_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('deadline', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('erasure_requests_owner_client')
    .on('erasure_requests')
    .columns(['owner_id', 'client_id', 'requested_at'])
    .execute();

  // Who started a grant: a vendor's request the owner approved, or the owner sharing unasked.
  await db.schema
    .alterTable('grants')
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('request'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('grants').dropColumn('origin').execute();
  await db.schema.dropTable('erasure_requests').execute();
}
