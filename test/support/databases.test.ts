import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  describeEachDatabase,
  postgresAdminUrl,
  type TestDatabase,
} from './databases.ts';

// The test package depends on `pg` but not on better-sqlite3 (a dependency of @kith/server) nor on
// either's types: load both the way a consumer would, and type the little used here.
interface SqliteDb {
  prepare(sql: string): { all(...params: unknown[]): unknown[]; run(...params: unknown[]): unknown };
  exec(sql: string): unknown;
  close(): void;
}
interface PgClient {
  connect(): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
const requireFromTest = createRequire(import.meta.url);
const requireFromServer = createRequire(fileURLToPath(new URL('../../server/package.json', import.meta.url)));
const Sqlite = requireFromServer('better-sqlite3') as new (file: string) => SqliteDb;
const pg = requireFromTest('pg') as { Client: new (config: { connectionString: string }) => PgClient };

function sqlitePath(url: string): string {
  expect(url).toMatch(/^sqlite:\//);
  return url.slice('sqlite:'.length);
}

async function withPg<T>(url: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Table names in the database, then a write and read-back through a new table. */
async function tablesThenWrite(database: TestDatabase): Promise<{ tables: string[]; readBack: unknown[] }> {
  if (database.kind === 'sqlite') {
    const db = new Sqlite(sqlitePath(database.url));
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all()
        .map((row) => (row as { name: string }).name);
      db.exec('CREATE TABLE probe (id INTEGER PRIMARY KEY, value TEXT NOT NULL)');
      db.prepare('INSERT INTO probe (value) VALUES (?)').run('hello');
      const readBack = db.prepare('SELECT value FROM probe').all();
      return { tables, readBack };
    } finally {
      db.close();
    }
  }
  return withPg(database.url, async (client) => {
    const { rows } = await client.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    );
    await client.query('CREATE TABLE probe (id serial PRIMARY KEY, value text NOT NULL)');
    await client.query('INSERT INTO probe (value) VALUES ($1)', ['hello']);
    const readBack = (await client.query('SELECT value FROM probe')).rows;
    return { tables: rows.map((row) => String(row.table_name)), readBack };
  });
}

describeEachDatabase('test database harness', (database) => {
  it('hands out a URL of the right kind', () => {
    const { kind, url } = database();
    if (kind === 'sqlite') expect(url).toMatch(/^sqlite:\/.+\.sqlite$/);
    else expect(url).toMatch(/^postgres:\/\/.+\/kith_test_[0-9a-f]{16}$/);
  });

  it('starts empty and is writable', async () => {
    const { tables, readBack } = await tablesThenWrite(database());
    expect(tables).toEqual([]);
    expect(readBack).toEqual([{ value: 'hello' }]);
  });

  it('keeps its data across connections within the suite', async () => {
    const db = database();
    if (db.kind === 'sqlite') {
      const conn = new Sqlite(sqlitePath(db.url));
      try {
        expect(conn.prepare('SELECT value FROM probe').all()).toEqual([{ value: 'hello' }]);
      } finally {
        conn.close();
      }
    } else {
      const rows = await withPg(
        db.url,
        async (client) => (await client.query('SELECT value FROM probe')).rows,
      );
      expect(rows).toEqual([{ value: 'hello' }]);
    }
  });
});

describe('createTestDatabase', () => {
  it('sqlite: each call is a new file in a new directory, removed by drop()', async () => {
    const a = await createTestDatabase('sqlite');
    const b = await createTestDatabase('sqlite');
    expect(a.url).not.toBe(b.url);
    const dirA = dirname(sqlitePath(a.url));
    expect(existsSync(dirA)).toBe(true);
    const conn = new Sqlite(sqlitePath(a.url));
    conn.exec('CREATE TABLE t (x)');
    conn.close();
    await a.drop();
    await b.drop();
    expect(existsSync(dirA)).toBe(false);
    await a.drop(); // idempotent
  });

  it.skipIf(postgresAdminUrl().url === null)(
    'postgres: a new database per call, dropped by drop()',
    async () => {
      const admin = postgresAdminUrl().url as string;
      const a = await createTestDatabase('postgres');
      const name = new URL(a.url).pathname.slice(1);
      // An open connection must not stop the drop (WITH (FORCE)).
      const lingering = new pg.Client({ connectionString: a.url });
      lingering.on('error', () => {}); // it is terminated by the drop
      await lingering.connect();
      const exists = async () =>
        withPg(
          admin,
          async (client) =>
            (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length,
        );
      expect(await exists()).toBe(1);
      await a.drop();
      expect(await exists()).toBe(0);
      await lingering.end().catch(() => {});
    },
  );
});
