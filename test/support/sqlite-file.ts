import { createRequire } from 'node:module';

/** The little of better-sqlite3 that tests use on a vault's file, from a connection of their own. */
export interface SqliteFile {
  prepare(source: string): {
    get(...values: unknown[]): unknown;
    run(...values: unknown[]): unknown;
  };
  exec(source: string): unknown;
  pragma(source: string, options: { simple: true }): unknown;
  close(): void;
}

// better-sqlite3 is the server's dependency (the test package has neither it nor its types): loaded from there.
const BetterSqlite3 = createRequire(new URL('../../server/package.json', import.meta.url))(
  'better-sqlite3',
) as new (
  path: string,
  options?: { readonly?: boolean },
) => SqliteFile;

/**
 * Opens a vault's SQLite file beside the server, e.g. to read it as it lies on
 * disk or to hold its write lock as another process would.
 *
 * @example
 * const file = openSqliteFile(database().url, { readonly: true });
 */
export function openSqliteFile(url: string, options: { readonly?: boolean } = {}): SqliteFile {
  return new BetterSqlite3(url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url, options);
}
