import { sql } from 'kysely';
import type { AccessLogRow } from '../audit/audit.table.ts';
import type { Trx } from '../db/database.ts';
import type { OwnerRow } from '../owners/owner.table.ts';
import type { ProfileFieldRow } from '../profile/profile.table.ts';
import type { GrantRow } from './grant.table.ts';

/** The columns of a grant a redeem reads. */
export type RedeemedGrant = Pick<
  GrantRow,
  'id' | 'owner_id' | 'client_id' | 'subject' | 'fields' | 'expires_at' | 'revoked_at' | 'token_hash' | 'jkt'
>;
/** The columns of an owner a redeem reads: the data key and the access log's head. */
export type RedeemingOwner = Pick<OwnerRow, 'id' | 'data_key_wrapped' | 'audit_seq' | 'audit_hash'>;
/** The columns of a profile field a redeem reads. */
export type RedeemedField = Pick<ProfileFieldRow, 'path' | 'version' | 'value_sealed'>;

/** A DPoP proof's `jti` as the replay cache keeps it. */
export interface SpentJti {
  hash: string;
  expiresAt: number;
}

/**
 * What one redeem reads and writes, inside one transaction, in as few
 * statements as the rules allow: the redeem is the hottest path, and every
 * statement is a round trip on PostgreSQL and a query's worth of overhead on
 * either. On SQLite the statements are prepared once and run synchronously
 * inside a group commit (grant-redeem.sqlite.ts).
 */
export interface RedeemStore {
  /** The grant, locked against a concurrent revoke (a revoke waits for the redeems holding it). */
  lockGrant(id: string): Promise<RedeemedGrant | undefined> | RedeemedGrant | undefined;
  /** The owner, locked (its row holds the data key and the access log's head), and their profile fields. */
  lockOwnerWithFields(ownerId: string): Promise<OwnerWithFields | undefined> | OwnerWithFields | undefined;
  /**
   * Spends the proof's `jti` and, only if it was not spent before, writes the
   * access-log entry and moves the owner's chain head to it. False: spent
   * before, nothing written.
   */
  recordRead(jti: SpentJti, entry: AccessLogRow): Promise<boolean> | boolean;
}

export interface OwnerWithFields {
  owner: RedeemingOwner;
  fields: RedeemedField[];
}

/** The grant columns a redeem reads: a grant row also holds its consent receipt, a whole JWT. */
export const GRANT_COLUMNS =
  'id, owner_id, client_id, subject, fields, expires_at, revoked_at, token_hash, jkt';

/**
 * The redeem store over a PostgreSQL transaction: three statements. Locks
 * are taken grant first, owner second, as everywhere else.
 */
export function postgresRedeemStore(trx: Trx): RedeemStore {
  return {
    async lockGrant(id) {
      const { rows } = await sql<RedeemedGrant>`
        SELECT ${sql.raw(GRANT_COLUMNS)} FROM grants WHERE id = ${id} FOR SHARE`.execute(trx);
      return rows[0];
    },
    async lockOwnerWithFields(ownerId) {
      const { rows } = await sql<RedeemingOwner & Partial<RedeemedField>>`
        SELECT o.id, o.data_key_wrapped, o.audit_seq, o.audit_hash, p.path, p.version, p.value_sealed
        FROM owners o LEFT JOIN profile_fields p ON p.owner_id = o.id
        WHERE o.id = ${ownerId}
        FOR UPDATE OF o`.execute(trx);
      const first = rows[0];
      if (!first) return undefined;
      const { id, data_key_wrapped, audit_seq, audit_hash } = first;
      return {
        owner: { id, data_key_wrapped, audit_seq, audit_hash },
        fields: rows.filter((r) => r.path != null) as RedeemedField[],
      };
    },
    async recordRead(jti, entry) {
      // One round trip: the log entry and the new head are written only if the jti was fresh.
      const { rows } = await sql<{ fresh: boolean }>`
        WITH spent AS (
          INSERT INTO dpop_proof_jtis (jti_hash, expires_at) VALUES (${jti.hash}, ${jti.expiresAt})
          ON CONFLICT (expires_at, jti_hash) DO NOTHING
          RETURNING 1
        ), logged AS (
          INSERT INTO access_log (owner_id, seq, at, action, client_id, grant_id, detail, prev_hash, hash)
          SELECT ${entry.owner_id}, ${entry.seq}::integer, ${entry.at}::bigint, ${entry.action}, ${entry.client_id},
            ${entry.grant_id}, ${entry.detail}, ${entry.prev_hash}, ${entry.hash}
          WHERE EXISTS (SELECT 1 FROM spent)
          RETURNING 1
        ), head AS (
          UPDATE owners SET audit_seq = ${entry.seq}::integer, audit_hash = ${entry.hash}
          WHERE id = ${entry.owner_id} AND EXISTS (SELECT 1 FROM spent)
          RETURNING 1
        )
        SELECT EXISTS (SELECT 1 FROM spent) AS fresh`.execute(trx);
      return rows[0]?.fresh === true;
    },
  };
}
