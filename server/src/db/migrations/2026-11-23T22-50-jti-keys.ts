import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

// The replay caches are keyed by (expires_at, jti_hash) instead of the hash
// alone. A replayed proof or assertion carries the same signed iat/exp, so
// the same key, and is still refused; but new rows now arrive in time order,
// so the inserts of a busy moment land on the same few pages instead of one
// random page each, and purging expired rows walks the key itself (the
// separate expires_at index goes). The rows are copied: a replay must not
// slip through while this runs.
const TABLES = ['dpop_proof_jtis', 'client_assertion_jtis'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await rebuild(db, table, (t) => t.addPrimaryKeyConstraint(`${table}_pk`, ['expires_at', 'jti_hash']));
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await rebuild(db, table, (t) => t.addUniqueConstraint(`${table}_jti_hash`, ['jti_hash']));
    await db.schema.createIndex(`${table}_expires_at`).on(table).column('expires_at').execute();
  }
}

type TableBuilder = CreateTableBuilder<string, 'jti_hash' | 'expires_at'>;

async function rebuild(db: Kysely<unknown>, table: string, key: (t: TableBuilder) => TableBuilder) {
  const next = `${table}_next`;
  await key(
    db.schema
      .createTable(next)
      .addColumn('jti_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull()),
  ).execute();
  await sql`INSERT INTO ${sql.table(next)} (jti_hash, expires_at) SELECT jti_hash, expires_at FROM ${sql.table(table)}`.execute(
    db,
  );
  await db.schema.dropTable(table).execute();
  await db.schema.alterTable(next).renameTo(table).execute();
}
