import { PostgresAdapter } from 'kysely';

/** Anything Kysely can run queries on: a database, a transaction, any schema. */
interface HasAdapter {
  getExecutor(): { adapter: unknown };
}

/** Bytes: BYTEA on PostgreSQL, BLOB on SQLite. Both read back as a Buffer. */
export function binaryType(db: HasAdapter): 'bytea' | 'blob' {
  return isPostgres(db) ? 'bytea' : 'blob';
}

/** Tells which dialect a handle speaks, for the few places where SQL differs. */
export function isPostgres(db: HasAdapter): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
