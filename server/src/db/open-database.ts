import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import type { Database, Db } from './database.ts';

export type DialectKind = DatabaseConfig['kind'];

/** An open database and the one way to close it. */
export interface OpenDatabase {
  db: Db;
  kind: DialectKind;
  close(): Promise<void>;
}

const PG_INT8 = 20;

/**
 * Opens the configured database: SQLite (one file, WAL) or a PostgreSQL pool.
 *
 * @example
 * const { db, close } = openDatabase({ kind: 'sqlite', url: 'sqlite:./kith.sqlite', path: './kith.sqlite' });
 */
export function openDatabase(config: DatabaseConfig): OpenDatabase {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.connectionString,
      max: 10,
      // Timestamps are epoch milliseconds in BIGINT columns: well inside 2^53.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === PG_INT8
            ? Number
            : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  mkdirSync(dirname(config.path), { recursive: true });
  const sqlite = new SqliteDatabase(config.path);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit the client saw acknowledged survives power loss, not only a crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, kind: 'sqlite', close: () => db.destroy() };
}
