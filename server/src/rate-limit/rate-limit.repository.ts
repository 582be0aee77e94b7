import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * Counts one hit against `key` in a fixed window and returns the count so
 * far, in one upsert: processes sharing the database never lose a hit.
 */
export async function hitRateLimit(
  db: Executor,
  key: string,
  now: number,
  windowMs: number,
): Promise<number> {
  const expired = sql<boolean>`rate_limits.window_start <= ${now - windowMs}`;
  const { count } = await db
    .insertInto('rate_limits')
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        window_start: sql<number>`case when ${expired} then ${now} else rate_limits.window_start end`,
        count: sql<number>`case when ${expired} then 1 else rate_limits.count + 1 end`,
      }),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** The hits counted against `key` in its current window, without adding one. */
export async function readRateLimit(
  db: Executor,
  key: string,
  now: number,
  windowMs: number,
): Promise<number> {
  const row = await db
    .selectFrom('rate_limits')
    .select(['count', 'window_start'])
    .where('key', '=', key)
    .executeTakeFirst();
  return row && Number(row.window_start) > now - windowMs ? Number(row.count) : 0;
}
