import { existsSync, rmSync, statSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { MASTER_KEY_CHECK } from './master-key-check.ts';

/**
 * Tells whether the configured database already holds a vault (its master
 * key check was sealed), without creating or changing anything: no database
 * file, no schema, no WAL. Start-up asks before it would generate a master
 * key, so that a vault whose key file was lost is refused, not given a new
 * key it could never open.
 *
 * @example
 * if (await holdsVault(config.database)) throw new ConfigError('KITH_MASTER_KEY_FILE', 'missing');
 */
export async function holdsVault(database: DatabaseConfig): Promise<boolean> {
  return database.kind === 'sqlite' ? sqliteHoldsVault(database.path) : postgresHoldsVault(database.url);
}

function sqliteHoldsVault(path: string): boolean {
  if (!existsSync(path) || statSync(path).size === 0) return false;
  // A read-only connection to a WAL database creates the -wal and -shm files when they are
  // missing (nobody has the database open then): it removes what it created.
  const created = [`${path}-wal`, `${path}-shm`].filter((file) => !existsSync(file));
  const sqlite = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
  try {
    const table = sqlite
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kith_meta'")
      .get();
    return (
      table !== undefined &&
      sqlite.prepare(`SELECT 1 FROM kith_meta WHERE key = ?`).get(MASTER_KEY_CHECK) !== undefined
    );
  } finally {
    sqlite.close();
    for (const file of created) rmSync(file, { force: true });
  }
}

async function postgresHoldsVault(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  // A connection PostgreSQL ends under the query fails the query, which says so; unheard, it would end the process first.
  client.on('error', () => {});
  await client.connect();
  try {
    const table = await client.query(`SELECT to_regclass('kith_meta') IS NOT NULL AS present`);
    if (!table.rows[0]?.present) return false;
    const row = await client.query('SELECT 1 FROM kith_meta WHERE key = $1', [MASTER_KEY_CHECK]);
    return (row.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}
