import type SqliteDatabase from 'better-sqlite3';
import { insertAccessLogEntry, setAuditHead } from '../audit/audit.repository.ts';
import type { AccessLogRow } from '../audit/audit.table.ts';
import type { Trx } from '../db/database.ts';
import { lockOwner } from '../owners/owner.repository.ts';
import type { OwnerRow } from '../owners/owner.table.ts';
import { findProfileFields } from '../profile/profile.repository.ts';
import type { ProfileFieldRow } from '../profile/profile.table.ts';
import { insertJtiOnce } from '../vendors/replay.repository.ts';
import { lockGrant } from './grant.repository.ts';
import type { GrantRow } from './grant.table.ts';

/**
 * What one redeem reads and writes, inside one transaction. Two ways to the
 * same rows: Kysely on PostgreSQL, and on SQLite prepared statements run
 * synchronously inside a group commit, because a redeem is the hottest path
 * and Kysely's per-query cost there is several times the query's own.
 */
export interface RedeemStore {
  /** The grant, locked against a concurrent revoke (a revoke waits for the redeems holding it). */
  lockGrant(id: string): GrantRow | undefined | Promise<GrantRow | undefined>;
  /** Spends a DPoP proof's `jti`; false when it was spent before. */
  spendDpopJti(jtiHash: string, expiresAt: number): boolean | Promise<boolean>;
  /** The owner, locked: the row holds the data key and the access log's head. */
  lockOwner(id: string): OwnerRow | undefined | Promise<OwnerRow | undefined>;
  findProfileFields(ownerId: string): ProfileFieldRow[] | Promise<ProfileFieldRow[]>;
  /** Writes the entry and moves the owner's chain head to it. */
  appendAccessLogEntry(entry: AccessLogRow): void | Promise<void>;
}

/** The redeem store over a Kysely transaction. */
export function kyselyRedeemStore(trx: Trx): RedeemStore {
  return {
    lockGrant: (id) => lockGrant(trx, id, 'share'),
    spendDpopJti: (jtiHash, expiresAt) =>
      insertJtiOnce(trx, 'dpop_proof_jtis', { jti_hash: jtiHash, expires_at: expiresAt }),
    lockOwner: (id) => lockOwner(trx, id),
    findProfileFields: (ownerId) => findProfileFields(trx, ownerId),
    appendAccessLogEntry: async (entry) => {
      await insertAccessLogEntry(trx, entry);
      await setAuditHead(trx, entry.owner_id, entry.seq, entry.hash);
    },
  };
}

const sqliteStores = new WeakMap<SqliteDatabase.Database, RedeemStore>();

/**
 * The redeem store over a better-sqlite3 handle, its statements prepared
 * once. Only for use inside a group commit's unit of work: SQLite runs one
 * writer at a time, so every read here is as good as locked.
 */
export function sqliteRedeemStore(sqlite: SqliteDatabase.Database): RedeemStore {
  const known = sqliteStores.get(sqlite);
  if (known) return known;
  const grantById = sqlite.prepare('SELECT * FROM grants WHERE id = ?');
  const insertJti = sqlite.prepare(
    'INSERT INTO dpop_proof_jtis (jti_hash, expires_at) VALUES (?, ?) ON CONFLICT (jti_hash) DO NOTHING',
  );
  const ownerById = sqlite.prepare('SELECT * FROM owners WHERE id = ?');
  const profileFields = sqlite.prepare('SELECT * FROM profile_fields WHERE owner_id = ? ORDER BY path');
  const insertEntry = sqlite.prepare(
    'INSERT INTO access_log (owner_id, seq, at, action, client_id, grant_id, detail, prev_hash, hash) ' +
      'VALUES (@owner_id, @seq, @at, @action, @client_id, @grant_id, @detail, @prev_hash, @hash)',
  );
  const setHead = sqlite.prepare('UPDATE owners SET audit_seq = ?, audit_hash = ? WHERE id = ?');
  const store: RedeemStore = {
    lockGrant: (id) => grantById.get(id) as GrantRow | undefined,
    spendDpopJti: (jtiHash, expiresAt) => insertJti.run(jtiHash, expiresAt).changes === 1,
    lockOwner: (id) => ownerById.get(id) as OwnerRow | undefined,
    findProfileFields: (ownerId) => profileFields.all(ownerId) as ProfileFieldRow[],
    appendAccessLogEntry: (entry) => {
      insertEntry.run(entry);
      setHead.run(entry.seq, entry.hash, entry.owner_id);
    },
  };
  sqliteStores.set(sqlite, store);
  return store;
}
