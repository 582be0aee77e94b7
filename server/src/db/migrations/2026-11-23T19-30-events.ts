import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The outbox: written in the transaction of the change that causes the event.
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('events_owner_client')
    .on('events')
    .columns(['owner_id', 'client_id', 'created_at'])
    .execute();
  await db.schema.createIndex('events_client').on('events').column('client_id').execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('event_id', 'text', (c) => c.primaryKey().references('events.id').onDelete('cascade'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('claimed_by', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('deliveries_due')
    .on('deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  // A vendor endpoint that answered 410 Gone, by the URI that answered it: a
  // vendor that publishes another `webhook_uri` is heard again.
  await db.schema
    .createTable('disabled_webhooks')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('webhook_uri', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('disabled_webhooks').execute();
  await db.schema.dropTable('deliveries').execute();
  await db.schema.dropTable('events').execute();
}
