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
 * inside a group commit (grant-redeem.sqlite.ts); on PostgreSQL the redeems
 * of a moment share one transaction whose statements take arrays, two round
 * trips for the whole group (grant-redeem.postgres.ts).
 */
export interface RedeemStore {
  /**
   * The grant, locked against a concurrent revoke (a revoke waits for the
   * redeems holding it). PostgreSQL locks the group's grants and then their
   * owners (where the token is the grant's) in one statement, before any
   * redeem's rules run.
   */
  lockGrant(id: string): Promise<RedeemedGrant | undefined> | RedeemedGrant | undefined;
  /** The owner, locked (its row holds the data key and the access log's head), and their profile fields by path. */
  lockOwnerWithFields(ownerId: string): Promise<OwnerWithFields | undefined> | OwnerWithFields | undefined;
  /**
   * Spends the proof's `jti` and, only if it was not spent before, writes the
   * access-log entry and moves the owner's chain head to it. False: spent
   * before (or earlier in the same group), nothing written. It must be the
   * redeem's last step: on PostgreSQL what it records is written with the
   * group's, after every redeem of the group has run.
   */
  recordRead(jti: SpentJti, entry: AccessLogRow): Promise<boolean> | boolean;
}

/** One redeem, as the store needs to know it before its rules run. */
export interface RedeemRequest {
  grantId: string;
  tokenHash: string;
  /** The proof's `jti`, if the proof checked out (it is spent only then). */
  jti: SpentJti | undefined;
}

/**
 * Where a vault's redeems run: SQLite's group commit or PostgreSQL's redeem
 * groups. Made once when the vault opens (vault.ts) and handed to the app.
 */
export interface Redeems {
  /** Runs `work` in the next group's transaction; settles once that transaction has committed. */
  run<T>(request: RedeemRequest, work: (store: RedeemStore) => Promise<T>): Promise<T>;
}

export interface OwnerWithFields {
  owner: RedeemingOwner;
  fields: RedeemedField[];
}

/** The grant columns a redeem reads: a grant row also holds its consent receipt, a whole JWT. */
export const GRANT_COLUMNS =
  'id, owner_id, client_id, subject, fields, expires_at, revoked_at, token_hash, jkt';
