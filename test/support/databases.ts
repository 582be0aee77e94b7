/**
 * Running suites against both supported databases.
 *
 *   describeEachDatabase('grants store', (database) => {
 *     it('inserts', async () => { const db = openKysely(database().url); ... });
 *   });
 *
 * declares `grants store [sqlite]` and `grants store [postgres]`, each with its own fresh, empty
 * database created in `beforeAll` and dropped in `afterAll`.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { createTempDir } from './temp-dir.ts';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface TestDatabase {
  kind: DatabaseKind;
  /** `sqlite:/abs/path/file.sqlite` or `postgres://postgres@127.0.0.1:PORT/kith_test_<random>`. */
  url: string;
}

export interface OwnedTestDatabase extends TestDatabase {
  /** Removes the database (SQLite: its temp dir; Postgres: `DROP DATABASE … WITH (FORCE)`). Idempotent. */
  drop(): Promise<void>;
}

export const DATABASE_KINDS: readonly DatabaseKind[] = ['sqlite', 'postgres'];

// `pg` is a dependency of this package, but its types (@types/pg) are not: the little used here is typed locally.
interface PgClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
const pg = createRequire(import.meta.url)('pg') as {
  Client: new (config: { connectionString: string }) => PgClient;
};

/** The admin URL of the test PostgreSQL server, or null with the reason it is unavailable. */
export function postgresAdminUrl(): { url: string; reason: null } | { url: null; reason: string } {
  const url = inject('kithPostgresUrl');
  if (url) return { url, reason: null };
  return {
    url: null,
    reason: inject('kithPostgresSkipReason') ?? 'the test PostgreSQL server was not provided by global setup',
  };
}

async function withAdminClient<T>(adminUrl: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database of that kind; the caller drops it with `drop()`. */
export async function createTestDatabase(kind: DatabaseKind): Promise<OwnedTestDatabase> {
  if (kind === 'sqlite') {
    const dir = createTempDir('kith-sqlite-');
    return { kind, url: `sqlite:${join(dir.path, 'kith.sqlite')}`, drop: () => dir.cleanup() };
  }

  const admin = postgresAdminUrl();
  if (admin.url === null) throw new Error(`cannot create a PostgreSQL test database: ${admin.reason}`);
  const adminUrl = admin.url;
  const name = `kith_test_${randomBytes(8).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    kind,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdminClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

let warnedSkip = false;

/** Declares the suite once per database: `${title} [sqlite]` and `${title} [postgres]`. */
export function describeEachDatabase(title: string, fn: (database: () => TestDatabase) => void): void {
  for (const kind of DATABASE_KINDS) describeOn(kind, title, fn);
}

/**
 * Declares a suite for what only PostgreSQL has (row locks, several
 * connections writing at once): `${title} [postgres]`, skipped as
 * describeEachDatabase's PostgreSQL half is.
 */
export function describeOnPostgres(title: string, fn: (database: () => TestDatabase) => void): void {
  describeOn('postgres', title, fn);
}

function describeOn(kind: DatabaseKind, title: string, fn: (database: () => TestDatabase) => void): void {
  let current: OwnedTestDatabase | undefined;
  const database = (): TestDatabase => {
    if (!current) throw new Error(`${title} [${kind}]: database() is only available inside tests and hooks`);
    return { kind: current.kind, url: current.url };
  };
  const body = () => {
    beforeAll(async () => {
      current = await createTestDatabase(kind);
    });
    afterAll(async () => {
      const owned = current;
      current = undefined;
      await owned?.drop();
    });
    fn(database);
  };

  if (kind === 'postgres') {
    const admin = postgresAdminUrl();
    if (admin.url === null) {
      if (process.env.CI === 'true') {
        throw new Error(`${title} [postgres]: ${admin.reason}; CI=true, so PostgreSQL suites must run`);
      }
      if (!warnedSkip) {
        warnedSkip = true;
        console.warn(`*** ${admin.reason}: PostgreSQL suites are SKIPPED (apt-get install postgresql). ***`);
      }
      describe.skip(`${title} [${kind}]`, body);
      return;
    }
  }
  describe(`${title} [${kind}]`, body);
}
