import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAdminUrl } from '../../../test/support/databases.ts';
import { openDatabase } from './open-database.ts';

// Under CI=true a missing PostgreSQL fails (createTestDatabase says why); elsewhere the suite says it skipped.
const noPostgres = postgresAdminUrl().url === null && process.env.CI !== 'true';
if (noPostgres)
  console.warn(`*** ${postgresAdminUrl().reason}: the PostgreSQL openDatabase suite is SKIPPED. ***`);

/** A new PostgreSQL database, opened; `lost` gathers what `onConnectionLost` is told. */
async function openFreshDatabase() {
  const database = await createTestDatabase('postgres');
  const lost: Error[] = [];
  const opened = openDatabase(
    { kind: 'postgres', url: database.url, connectionString: database.url },
    { onConnectionLost: (error) => lost.push(error) },
  );
  return { database, lost, opened };
}

describe.skipIf(noPostgres)('openDatabase on PostgreSQL', () => {
  it('outlives connections the server ends: the process keeps running and the pool opens new ones', async () => {
    const { database, lost, opened } = await openFreshDatabase();
    try {
      // Three idle connections in the pool.
      await Promise.all([1, 2, 3].map(() => sql`SELECT pg_sleep(0.05)`.execute(opened.db)));
      // Ended by the server, as a restart or an operator would.
      const admin = new pg.Client({ connectionString: postgresAdminUrl().url as string });
      await admin.connect();
      try {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [new URL(database.url).pathname.slice(1)],
        );
      } finally {
        await admin.end();
      }
      for (let i = 0; i < 100 && lost.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(lost.map((e) => (e as { code?: string }).code)).toEqual(['57P01', '57P01', '57P01']);
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(opened.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await opened.close();
      await database.drop();
    }
  });

  it('outlives a connection ended in the middle of a transaction: the transaction fails, the process goes on', async () => {
    const { database, lost, opened } = await openFreshDatabase();
    try {
      // Checked out by the transaction, the connection has no listener of pg-pool's.
      const failed = opened.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
        const admin = new pg.Client({ connectionString: postgresAdminUrl().url as string });
        await admin.connect();
        try {
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        } finally {
          await admin.end();
        }
        await sql`SELECT pg_sleep(0.2)`.execute(trx);
      });
      await expect(failed).rejects.toThrow();
      for (let i = 0; i < 100 && lost.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
      expect(lost.map((e) => (e as { code?: string }).code ?? e.message)).toContain('57P01');
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(opened.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await opened.close();
      await database.drop();
    }
  });
});
