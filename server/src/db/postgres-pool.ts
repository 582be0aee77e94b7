import type pg from 'pg';

/**
 * The pools under a PostgreSQL database. Anything that checks a connection
 * out must give it back as it found it: idle, no transaction open.
 */
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

/**
 * Groups of redeems one process has in flight on PostgreSQL at most. Redeems
 * that arrive while both are busy wait and go together in the next group:
 * the busier the process, the larger the groups, and the less each redeem
 * costs either side. Two, so one group's round trip overlaps the next
 * group's work in this process.
 */
export const REDEEM_GROUPS_IN_FLIGHT = 2;

/**
 * Groups in flight at most, besides those, for redeems of grants found held
 * by a transaction outside the groups' own (grant-redeem.postgres.ts): each
 * such group may wait out the whole lock timeout, so it has a connection of
 * its own and never takes one the others need.
 */
export const HELD_REDEEM_GROUPS_IN_FLIGHT = 1;
