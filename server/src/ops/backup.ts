import { closeSync, existsSync, fsyncSync, openSync, rmSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import type { Config, DatabaseConfig } from '../config.ts';

export type BackupResult =
  | { kind: 'sqlite'; file: string; pages: number }
  /** PostgreSQL is backed up by its own tools: the command to run. */
  | { kind: 'postgres'; command: string };

/** The backup file is there already: never overwrite a backup. */
export class BackupExistsError extends Error {
  override name = 'BackupExistsError';
}

/**
 * Backs up the vault's database to `file` while servers keep running.
 *
 * SQLite: SQLite's online backup API on a connection of its own, so the copy
 * is one consistent snapshot (with what the WAL holds) even while other
 * processes write; it starts again by itself if a write lands mid-copy, and
 * after a first small step copies the rest in one go so a steady write load
 * cannot keep it restarting. The copy is checked and synced before it is
 * reported, and is private to its owner (0600).
 *
 * PostgreSQL: answers the `pg_dump` command to run (its consistent snapshot
 * is PostgreSQL's to take), without the password.
 *
 * Either way the copy holds only ciphertext: it is useless without the
 * master key, which is never in it.
 *
 * @example
 * const result = await backupDatabase(config.database, '/backups/kith-2026-12-04.sqlite');
 */
export async function backupDatabase(database: DatabaseConfig, file: string): Promise<BackupResult> {
  if (database.kind === 'postgres') return { kind: 'postgres', command: pgDumpCommand(database.url, file) };
  if (existsSync(file)) throw new BackupExistsError(`${file} exists already; choose a new file`);
  // Created empty first with mode 0600: the copy is never readable by others, even for a moment.
  closeSync(openSync(file, 'wx', 0o600));
  const source = new SqliteDatabase(database.path, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    const { totalPages } = await source.backup(file, {
      progress: ({ remainingPages }) => Math.max(remainingPages, 100),
    });
    const copy = new SqliteDatabase(file, { fileMustExist: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the backup failed its integrity check: ${String(check)}`);
      // The restored database opens in WAL mode like the original; the copy itself is one file.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    const fd = openSync(file, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { kind: 'sqlite', file, pages: totalPages };
  } catch (error) {
    rmSync(file, { force: true });
    throw error;
  } finally {
    source.close();
  }
}

/** The `pg_dump` command for the configured database, password left to PGPASSWORD or ~/.pgpass. */
export function pgDumpCommand(url: string, file: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return `pg_dump --format=custom --no-owner --file=${shellQuote(file)} ${shellQuote(parsed.href)}`;
}

/** Where the master key of `config` lives, for the reminder printed with a backup. */
export function describeMasterKey(masterKey: Config['masterKey']): string {
  return masterKey.kind === 'env' ? 'KITH_MASTER_KEY (in your environment)' : masterKey.path;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
