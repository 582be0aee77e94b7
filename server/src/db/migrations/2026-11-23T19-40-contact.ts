import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What the owner set for one vendor, over the grant's ask and their own defaults.
  await db.schema
    .createTable('contact_terms')
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('channels', 'text')
    .addColumn('allow_marketing', 'integer')
    .addColumn('max_per_week', 'integer')
    .addColumn('quiet_start', 'text')
    .addColumn('quiet_end', 'text')
    .addColumn('do_not_contact', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_terms_pk', ['owner_id', 'client_id'])
    .execute();

  // Every check and every contact a vendor asked for, allowed or refused.
  await db.schema
    .createTable('contact_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('contact_events_owner_client_at')
    .on('contact_events')
    .columns(['owner_id', 'client_id', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('contact_events').execute();
  await db.schema.dropTable('contact_terms').execute();
}
