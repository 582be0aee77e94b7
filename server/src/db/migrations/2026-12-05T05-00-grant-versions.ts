import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A grant's version: 1 as issued, one more each time the owner narrows it.
  // The token keeps naming the grant; redeem answers the current version's fields.
  await db.schema
    .alterTable('grants')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('grants').dropColumn('version').execute();
}
