import type pg from 'pg';
import type { Db } from './database.ts';

/** The pools under a PostgreSQL database. */
export interface PostgresPools {
  /** Kysely's pool. */
  pool: pg.Pool;
  /**
   * A few connections in pg's pipeline mode (its public `pipeline` option),
   * for the one path that talks to PostgreSQL without Kysely: the redeem
   * (grant-redeem.postgres.ts), which sends several statements per round trip.
   */
  pipelined: pg.Pool;
}

const pools = new WeakMap<Db, PostgresPools>();

/** The pg pools under a PostgreSQL database; undefined on SQLite. */
export function postgresPoolsOf(db: Db): PostgresPools | undefined {
  return pools.get(db);
}

/**
 * Records the pools `db` runs on. Anything that checks a connection out
 * must give it back as it found it: idle, no transaction open.
 *
 * @example
 * const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
 * registerPostgresPools(db, { pool, pipelined });
 */
export function registerPostgresPools(db: Db, registered: PostgresPools): void {
  pools.set(db, registered);
}

/**
 * Groups of redeems one process has in flight on PostgreSQL at most. Redeems
 * that arrive while both are busy wait and go together in the next group:
 * the busier the process, the larger the groups, and the less each redeem
 * costs either side. Two, so one group's round trip overlaps the next
 * group's work in this process.
 */
export const REDEEM_GROUPS_IN_FLIGHT = 2;
