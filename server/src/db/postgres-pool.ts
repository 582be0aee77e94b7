import type pg from 'pg';
import type { Db } from './database.ts';

const pools = new WeakMap<Db, pg.Pool>();

/**
 * The pg pool under a PostgreSQL database, for the one path that talks to it
 * without Kysely (the redeem: grant-redeem.postgres.ts); undefined on SQLite.
 */
export function postgresPoolOf(db: Db): pg.Pool | undefined {
  return pools.get(db);
}

/**
 * Records the pool `db` runs on. Queries on it share Kysely's connections,
 * so anything that checks one out must give it back as it found it: idle,
 * no transaction open.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
 * registerPostgresPool(db, pool);
 */
export function registerPostgresPool(db: Db, pool: pg.Pool): void {
  pools.set(db, pool);
}
