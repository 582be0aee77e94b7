import type SqliteDatabase from 'better-sqlite3';
import { INSERT_ACCESS_LOG_ENTRY_SQL } from '../audit/audit.repository.ts';
import type { GroupCommit } from '../db/group-commit.ts';
import { SET_AUDIT_HEAD_SQL } from '../owners/owner.repository.ts';
import { SPEND_DPOP_JTI_SQL } from '../vendors/replay.repository.ts';
import {
  GRANT_COLUMNS,
  type RedeemedField,
  type RedeemedGrant,
  type RedeemingOwner,
  type RedeemStore,
  type Redeems,
} from './grant-redeem.repository.ts';

/**
 * The redeem store over a better-sqlite3 handle, its statements prepared
 * once. Only for use inside a group commit's unit of work: SQLite runs one
 * writer at a time, so every read here is as good as locked.
 */
function sqliteRedeemStore(sqlite: SqliteDatabase.Database): RedeemStore {
  const grantById = sqlite.prepare(`SELECT ${GRANT_COLUMNS} FROM grants WHERE id = ?`);
  const ownerById = sqlite.prepare(
    'SELECT id, data_key_wrapped, audit_seq, audit_hash FROM owners WHERE id = ?',
  );
  const fieldsOf = sqlite.prepare(
    'SELECT path, version, value_sealed FROM profile_fields WHERE owner_id = ? ORDER BY path',
  );
  // Each table's own repository owns the text of its writes; the calls stay direct, once per redeem.
  const spendJti = sqlite.prepare(SPEND_DPOP_JTI_SQL);
  const insertEntry = sqlite.prepare(INSERT_ACCESS_LOG_ENTRY_SQL);
  const setHead = sqlite.prepare(SET_AUDIT_HEAD_SQL);
  const store: RedeemStore = {
    lockGrant: (id) => grantById.get(id) as RedeemedGrant | undefined,
    lockOwnerWithFields(ownerId) {
      const owner = ownerById.get(ownerId) as RedeemingOwner | undefined;
      return owner && { owner, fields: fieldsOf.all(ownerId) as RedeemedField[] };
    },
    recordRead(jti, entry) {
      if (spendJti.run(jti.hash, jti.expiresAt).changes !== 1) return false;
      insertEntry.run(entry);
      setHead.run(entry.seq, entry.hash, entry.owner_id);
      return true;
    },
  };
  return store;
}

/**
 * The redeems of a SQLite vault: each runs as a unit of the group commit, so
 * the redeems of a moment share one transaction and one fsync. The store's
 * statements are prepared on the first redeem, once per vault.
 *
 * @example
 * const redeems = sqliteRedeems(groupCommit);
 */
export function sqliteRedeems(group: GroupCommit): Redeems {
  let store: RedeemStore | undefined;
  return {
    run: (_request, work) =>
      group.run((sqlite) => {
        store ??= sqliteRedeemStore(sqlite);
        return work(store);
      }),
  };
}
