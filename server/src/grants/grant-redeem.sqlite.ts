import type SqliteDatabase from 'better-sqlite3';
import {
  GRANT_COLUMNS,
  type RedeemedField,
  type RedeemedGrant,
  type RedeemingOwner,
  type RedeemStore,
} from './grant-redeem.repository.ts';

const sqliteStores = new WeakMap<SqliteDatabase.Database, RedeemStore>();

/**
 * The redeem store over a better-sqlite3 handle, its statements prepared
 * once. Only for use inside a group commit's unit of work: SQLite runs one
 * writer at a time, so every read here is as good as locked.
 */
export function sqliteRedeemStore(sqlite: SqliteDatabase.Database): RedeemStore {
  const known = sqliteStores.get(sqlite);
  if (known) return known;
  const grantById = sqlite.prepare(`SELECT ${GRANT_COLUMNS} FROM grants WHERE id = ?`);
  const ownerById = sqlite.prepare(
    'SELECT id, data_key_wrapped, audit_seq, audit_hash FROM owners WHERE id = ?',
  );
  const fieldsOf = sqlite.prepare(
    'SELECT path, version, value_sealed FROM profile_fields WHERE owner_id = ? ORDER BY path',
  );
  const spendJti = sqlite.prepare(
    'INSERT INTO dpop_proof_jtis (jti_hash, expires_at) VALUES (?, ?) ON CONFLICT (expires_at, jti_hash) DO NOTHING',
  );
  const insertEntry = sqlite.prepare(
    'INSERT INTO access_log (owner_id, seq, at, action, client_id, grant_id, detail, prev_hash, hash) ' +
      'VALUES (@owner_id, @seq, @at, @action, @client_id, @grant_id, @detail, @prev_hash, @hash)',
  );
  const setHead = sqlite.prepare('UPDATE owners SET audit_seq = ?, audit_hash = ? WHERE id = ?');
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
  sqliteStores.set(sqlite, store);
  return store;
}
