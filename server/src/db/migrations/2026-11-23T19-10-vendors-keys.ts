import { type Kysely, sql } from 'kysely';
import { binaryType } from '../column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const binary = binaryType(db);

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('retired_at', 'bigint')
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_key_sealed', binary, (c) => c.notNull())
    .execute();
  // At most one current and one next key, enforced by the database: two
  // processes starting or rotating at once cannot both win.
  for (const status of ['current', 'next']) {
    await db.schema
      .createIndex(`signing_keys_one_${status}`)
      .unique()
      .on('signing_keys')
      .column('status')
      .where(sql.ref('status'), '=', sql.lit(status))
      .execute();
  }

  await db.schema
    .createTable('vendors')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('fetched_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('webhook_secret_sealed', binary)
    .execute();

  for (const table of ['dpop_proof_jtis', 'client_assertion_jtis']) {
    await db.schema
      .createTable(table)
      .addColumn('jti_hash', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex(`${table}_expires_at`).on(table).column('expires_at').execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('client_assertion_jtis').execute();
  await db.schema.dropTable('dpop_proof_jtis').execute();
  await db.schema.dropTable('vendors').execute();
  await db.schema.dropTable('signing_keys').execute();
}
