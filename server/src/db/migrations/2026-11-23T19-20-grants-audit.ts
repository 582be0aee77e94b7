import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('grant_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('user_code', 'text', (c) => c.notNull().unique())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('optional_fields', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('duration_seconds', 'integer', (c) => c.notNull())
    .addColumn('contact', 'text')
    .addColumn('redirect_uri', 'text')
    .addColumn('state', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('poll_interval', 'integer', (c) => c.notNull())
    .addColumn('last_polled_at', 'bigint')
    .addColumn('owner_id', 'text', (c) => c.references('owners.id').onDelete('cascade'))
    .addColumn('grant_id', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('code_hash', 'text', (c) => c.unique())
    .addColumn('code_expires_at', 'bigint')
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('contact', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('collected_at', 'bigint')
    .addColumn('jkt', 'text')
    .addColumn('token_hash', 'text')
    .addColumn('receipt', 'text')
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_by', 'text')
    .execute();
  await db.schema
    .createIndex('grants_owner_client')
    .on('grants')
    .columns(['owner_id', 'client_id'])
    .execute();

  await db.schema
    .createTable('access_log')
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('grant_id', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_log_pk', ['owner_id', 'seq'])
    .execute();
  await db.schema.createIndex('access_log_grant').on('access_log').columns(['grant_id', 'at']).execute();
  await db.schema
    .createIndex('access_log_client')
    .on('access_log')
    .columns(['owner_id', 'client_id', 'seq'])
    .execute();

  // The head of each owner's chain lives on the owner's row, so appending locks
  // one row and chains cannot fork under concurrent writers.
  await db.schema
    .alterTable('owners')
    .addColumn('audit_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('owners')
    .addColumn('audit_hash', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('owners').dropColumn('audit_hash').execute();
  await db.schema.alterTable('owners').dropColumn('audit_seq').execute();
  await db.schema.dropTable('access_log').execute();
  await db.schema.dropTable('grants').execute();
  await db.schema.dropTable('grant_requests').execute();
}
