import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import type { Database, Db } from './database.ts';
import { createGroupCommit, type GroupCommit } from './group-commit.ts';
import {
  HELD_REDEEM_GROUPS_IN_FLIGHT,
  type PostgresPools,
  REDEEM_GROUPS_IN_FLIGHT,
} from './postgres-pool.ts';
import { startSqliteCheckpointer } from './sqlite-checkpointer.ts';
import { createSqliteDialect } from './sqlite-dialect.ts';

export type DialectKind = DatabaseConfig['kind'];

/**
 * An open database, the one way to close it, and the machinery under it that
 * the redeem's hot path uses without Kysely: SQLite's group commit, or
 * PostgreSQL's pools. Handed on explicitly, never looked up by `db`.
 */
export type OpenDatabase = { db: Db; close(): Promise<void> } & (
  | { kind: 'sqlite'; groupCommit: GroupCommit }
  | { kind: 'postgres'; pools: PostgresPools }
);

const PG_INT8 = 20;
/** Owner only: the database holds sealed personal data and the vault's sealed signing keys. */
export const PRIVATE_FOLDER = 0o700;
export const PRIVATE_FILE = 0o600;
/** 40 MB of WAL at 4 KiB pages: far more than the background checkpointer lets build up. */
const FALLBACK_CHECKPOINT_PAGES = 10_000;
/** KITH_LOCK_TIMEOUT_MS's default, for callers that do not say (the CLI's one-off commands). */
const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/**
 * Opens the configured database: SQLite (one file, WAL) or a PostgreSQL pool.
 *
 * @example
 * const { db, close } = openDatabase({ kind: 'sqlite', url: 'sqlite:./kith.sqlite', path: './kith.sqlite' });
 */
export function openDatabase(
  config: DatabaseConfig,
  options: {
    /** Told when PostgreSQL ends a connection, idle or in use (a restart, an operator); the pool opens another. */
    onConnectionLost?: (error: Error) => void;
    /** How long a write waits for a lock held elsewhere: SQLite's busy timeout, the redeem groups' lock timeout. */
    lockTimeoutMs?: number;
  } = {},
): OpenDatabase {
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  if (config.kind === 'postgres') {
    const poolConfig: pg.PoolConfig = {
      connectionString: config.connectionString,
      // Timestamps are epoch milliseconds in BIGINT columns: well inside 2^53.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === PG_INT8
            ? Number
            : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    };
    const pool = new pg.Pool({ ...poolConfig, max: 10 });
    // The redeem's own: one connection per group of redeems in flight (grant-redeem.postgres.ts).
    const pipelined = new pg.Pool({
      ...poolConfig,
      max: REDEEM_GROUPS_IN_FLIGHT + HELD_REDEEM_GROUPS_IN_FLIGHT,
      pipeline: true,
    });
    // A connection that PostgreSQL ends (a restart, an operator, a failover) emits 'error';
    // unheard, that is an uncaught exception, and it would take the server process down.
    // pg-pool listens only while a connection is idle (and re-emits on the pool), so each
    // connection gets a listener of its own for its whole life, checked out mid-transaction too.
    for (const each of [pool, pipelined]) {
      each.on('connect', (client) => client.on('error', (error) => options.onConnectionLost?.(error)));
      // The idle connection's error again, re-emitted: already heard by its own listener.
      each.on('error', () => {});
    }
    // A redeem group waits for every grant and owner it locks, and there are only
    // REDEEM_GROUPS_IN_FLIGHT of them: a row held outside Kith (an operator's open transaction)
    // would hold up every redeem of every owner. Like SQLite's busy timeout, give up after
    // KITH_LOCK_TIMEOUT_MS (55P03: the group is rolled back; its redeems whose rows are free are
    // sent again without the held ones, which are answered 503). Set when each
    // connection opens, ahead of any query of its own; a connection that cannot take it is broken
    // and fails that query anyway.
    pipelined.on('connect', (client) => {
      client.query(`SET lock_timeout = ${Math.trunc(lockTimeoutMs)}`).catch(() => {});
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      pools: { pool, pipelined },
      close: async () => {
        await db.destroy();
        await pipelined.end();
      },
    };
  }
  // The vault is for its operator's eyes only. Created here with these modes: a folder or
  // file the operator made is left as they made it. SQLite gives the -wal and -shm files
  // the database file's own mode.
  mkdirSync(dirname(config.path), { recursive: true, mode: PRIVATE_FOLDER });
  closeSync(openSync(config.path, 'a', PRIVATE_FILE));
  const sqlite = new SqliteDatabase(config.path);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit the client saw acknowledged survives power loss, not only a crash. (Group
  // commits get the same by syncing the WAL themselves, off the event loop: group-commit.ts.)
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${Math.trunc(lockTimeoutMs)}`);
  // Checkpoints run on their own thread (below); the commit that crosses this many pages
  // checkpoints itself only if that thread has fallen far behind.
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  const db = new Kysely<Database>({ dialect: createSqliteDialect(sqlite) });
  const group = createGroupCommit(db, sqlite);
  const checkpointer = startSqliteCheckpointer(config.path);
  return {
    db,
    kind: 'sqlite',
    groupCommit: group,
    close: async () => {
      // Units still queued (a shutdown's last writes) commit before the connection goes.
      await group.drain();
      await checkpointer.stop();
      await db.destroy();
      await group.close();
    },
  };
}
