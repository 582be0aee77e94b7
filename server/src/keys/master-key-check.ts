import type { Db } from '../db/database.ts';
import { SealBrokenError } from './envelope.ts';
import type { VaultKeys } from './vault-keys.ts';

/** The `kith_meta` row whose presence means the database holds a vault. */
export const MASTER_KEY_CHECK = 'master_key_check';
const CHECK_KEY = MASTER_KEY_CHECK;
const CHECK_CONTEXT = 'master-key-check';
const CHECK_PLAINTEXT = 'kith vault master key check v1';

/** The master key given at start-up is not the one this vault was created with. */
export class MasterKeyMismatchError extends Error {
  override name = 'MasterKeyMismatchError';
}

/**
 * Proves the master key opens this vault before anything is served. On first
 * start it seals a known value; on every later start that value must open,
 * or the server refuses instead of serving garbage or minting data keys no
 * other process can read.
 */
export async function checkMasterKey(db: Db, keys: VaultKeys): Promise<'created' | 'matched'> {
  const row = await db
    .selectFrom('kith_meta')
    .select('value')
    .where('key', '=', CHECK_KEY)
    .executeTakeFirst();
  if (!row) {
    const value = keys.sealSecret(Buffer.from(CHECK_PLAINTEXT), CHECK_CONTEXT);
    // Two processes starting at once on one PostgreSQL: the first insert wins, the other re-checks.
    await db
      .insertInto('kith_meta')
      .values({ key: CHECK_KEY, value })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await checkMasterKey(db, keys);
    return 'created';
  }
  try {
    if (keys.openSecret(row.value, CHECK_CONTEXT).toString() === CHECK_PLAINTEXT) return 'matched';
  } catch (error) {
    if (!(error instanceof SealBrokenError)) throw error;
  }
  throw new MasterKeyMismatchError(
    'The master key does not open this vault: the database was created with another key. ' +
      'Start with the original KITH_MASTER_KEY or KITH_MASTER_KEY_FILE; nothing was served.',
  );
}
