import type { AccessLogRow } from '../audit/audit.table.ts';
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
 * inside a group commit (grant-redeem.sqlite.ts); on PostgreSQL they are
 * named statements on a pg connection, two round trips in all
 * (grant-redeem.postgres.ts).
 */
export interface RedeemStore {
  /**
   * The grant, locked against a concurrent revoke (a revoke waits for the
   * redeems holding it). PostgreSQL locks the owner in the same statement,
   * after the grant, if the token is the grant's.
   */
  lockGrant(id: string): Promise<RedeemedGrant | undefined> | RedeemedGrant | undefined;
  /** The owner, locked (its row holds the data key and the access log's head), and their profile fields by path. */
  lockOwnerWithFields(ownerId: string): Promise<OwnerWithFields | undefined> | OwnerWithFields | undefined;
  /**
   * Spends the proof's `jti` and, only if it was not spent before, writes the
   * access-log entry and moves the owner's chain head to it. False: spent
   * before, nothing written. PostgreSQL commits here, so this is the last step.
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
