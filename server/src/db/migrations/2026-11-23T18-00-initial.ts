import type { Kysely } from 'kysely';
import { binaryType } from '../column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const binary = binaryType(db);

  await db.schema
    .createTable('kith_meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', binary, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('owners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('name_index', 'text', (c) => c.notNull().unique())
    .addColumn('name_sealed', binary, (c) => c.notNull())
    .addColumn('data_key_wrapped', binary, (c) => c.notNull())
    .addColumn('profile_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('profile_updated_at', 'bigint')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_owner_id').on('sessions').column('owner_id').execute();

  await db.schema
    .createTable('profile_fields')
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('value_sealed', binary)
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('profile_fields_pk', ['owner_id', 'path'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('profile_fields').execute();
  await db.schema.dropTable('sessions').execute();
  await db.schema.dropTable('owners').execute();
  await db.schema.dropTable('kith_meta').execute();
}
