import type { Database, Db } from '../../server/src/db/database.ts';

/**
 * How many rows a table of the vault holds now.
 *
 * @example
 * expect(await countRows(vault.vault.db, 'access_log')).toBe(before + 1);
 */
export async function countRows(db: Db, table: keyof Database): Promise<number> {
  const { n } = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}
