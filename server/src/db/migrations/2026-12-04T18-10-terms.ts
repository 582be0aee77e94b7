import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The agreement an owner proffers: `client_id` '*' is their default, any other a per-vendor override.
  await db.schema
    .createTable('owner_terms')
    .addColumn('owner_id', 'text', (c) => c.notNull().references('owners.id').onDelete('cascade'))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('agreement_id', 'text', (c) => c.notNull())
    .addColumn('agreement_version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('owner_terms_pk', ['owner_id', 'client_id'])
    .execute();

  // What the vendor accepted (JSON agreement references) and the client assertion that says so, signed.
  await db.schema.alterTable('grant_requests').addColumn('terms_accepted', 'text').execute();
  await db.schema.alterTable('grant_requests').addColumn('terms_assertion', 'text').execute();
  // The agreement a grant was given under (a JSON reference) and the vendor's signed acceptance of it.
  await db.schema.alterTable('grants').addColumn('terms', 'text').execute();
  await db.schema.alterTable('grants').addColumn('terms_acceptance', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('grants').dropColumn('terms_acceptance').execute();
  await db.schema.alterTable('grants').dropColumn('terms').execute();
  await db.schema.alterTable('grant_requests').dropColumn('terms_assertion').execute();
  await db.schema.alterTable('grant_requests').dropColumn('terms_accepted').execute();
  await db.schema.dropTable('owner_terms').execute();
}
