import { insertAccessLogEntriesSql } from '../audit/audit.repository.ts';
import type { AccessLogRow } from '../audit/audit.table.ts';
import { setAuditHeadsSql } from '../owners/owner.repository.ts';
import { SPEND_DPOP_JTIS_SQL, unspendDpopJtisSql } from '../vendors/replay.repository.ts';
import {
  GRANT_COLUMNS,
  type OwnerWithFields,
  type RedeemedField,
  type RedeemedGrant,
  type RedeemingOwner,
} from './grant-redeem.repository.ts';

// The statements of PostgreSQL's redeem groups (grant-redeem.postgres.ts), and the
// shapes of what they read and write. Named: each connection has PostgreSQL parse and
// plan them once, not on every group, so their text must never change under the same
// name. Every statement takes arrays, one element per redeem of the group.

/**
 * Spends the group's proof `jti`s, returning those that were fresh. First in
 * the transaction, so a proof replayed at the same moment from another group
 * or process waits here for this transaction, then finds it spent. In one
 * order (the key's), so two groups never wait on each other's.
 */
export const SPEND_JTIS = { name: 'kith_redeem_group_spend', text: SPEND_DPOP_JTIS_SQL };

/** A NULL for each of the grant's columns, in a field's row. */
const NO_GRANT = GRANT_COLUMNS.split(',')
  .map(() => 'NULL')
  .join(', ');

/**
 * The grants and their owners, all locked, and the owners' profile fields,
 * in one statement. Locks are taken grants first (`FOR SHARE`, by id), then
 * owners (`FOR UPDATE`, by id), as revokes and goodbyes take them: every
 * grant is locked before the owners' scan starts, because the owners' ids
 * come from an aggregate over all of `g`, and `ORDER BY … FOR …` locks rows
 * as they leave the sort. Only a token's holder gets as far as the owner: a
 * stranger who names a grant id locks no owner row.
 *
 * Two kinds of row, grants first: one per grant (with its owner's columns if
 * that owner was locked; `path` null), then one per profile field of each
 * locked owner (`locked_owner_id` and the field's columns only), by path. An
 * owner's fields come once however many of their grants the group redeems.
 */
export const LOCK_GRANTS_AND_OWNERS = {
  name: 'kith_redeem_group_lock',
  text: lockGrantsAndOwnersSql(''),
};

/**
 * The same, but rows another transaction holds are left out instead of
 * waited for (`SKIP LOCKED`): for a group sent again after it waited past
 * the lock timeout. With KNOWN_GRANTS beside it, a grant that exists but did
 * not come back, or whose token matched and whose owner did not come back,
 * is held.
 */
export const LOCK_FREE_GRANTS_AND_OWNERS = {
  name: 'kith_redeem_group_lock_free',
  text: lockGrantsAndOwnersSql(' SKIP LOCKED'),
};

/** Which of the group's grants exist at all, locked or not. */
export const KNOWN_GRANTS = {
  name: 'kith_redeem_group_known',
  text: 'SELECT id FROM grants WHERE id = ANY($1::text[])',
};

function lockGrantsAndOwnersSql(wait: '' | ' SKIP LOCKED'): string {
  return `
    WITH g AS MATERIALIZED (
      SELECT ${GRANT_COLUMNS} FROM grants WHERE id = ANY($1::text[]) ORDER BY id FOR SHARE${wait}
    ), o AS MATERIALIZED (
      SELECT id, data_key_wrapped, audit_seq, audit_hash FROM owners
      WHERE id = ANY((
        SELECT array_agg(g.owner_id) FROM g
        JOIN unnest($1::text[], $2::text[]) AS r(id, token_hash) ON r.id = g.id AND r.token_hash = g.token_hash
      )::text[])
      ORDER BY id FOR UPDATE${wait}
    )
    SELECT g.*, o.id AS locked_owner_id, o.data_key_wrapped, o.audit_seq, o.audit_hash,
      NULL AS path, NULL AS version, NULL AS value_sealed
    FROM g LEFT JOIN o ON o.id = g.owner_id
    UNION ALL
    SELECT ${NO_GRANT}, o.id, NULL, NULL, NULL, p.path, p.version, p.value_sealed
    FROM o JOIN profile_fields p ON p.owner_id = o.id
    ORDER BY path NULLS FIRST`;
}

/**
 * Everything the group's redeems write, in one statement: the log entries,
 * each owner's new chain head, and — for redeems that were refused after
 * their `jti` was spent — the `jti` given back (a refused redeem spends nothing).
 */
export const RECORD_READS = {
  name: 'kith_redeem_group_record',
  text: `
    WITH unspent AS (
      ${unspendDpopJtisSql(1)}
    ), logged AS (
      ${insertAccessLogEntriesSql(3)}
    )
    ${setAuditHeadsSql(12)}`,
};

/** A grant, with its owner if locked (`path` null). The owner's columns are all NOT NULL: null here means not locked. */
type LockedGrantRow = RedeemedGrant & { locked_owner_id: string | null; path: null } & {
  [K in Exclude<keyof RedeemingOwner, 'id'>]: RedeemingOwner[K] | null;
};
/** A profile field of a locked owner. */
type LockedFieldRow = { locked_owner_id: string } & RedeemedField;
export type LockedRow = LockedGrantRow | LockedFieldRow;

/** The grants of the group by id, and the owners locked for them with their fields by path. */
export function readLocked(rows: LockedRow[]): {
  grants: Map<string, RedeemedGrant>;
  owners: Map<string, OwnerWithFields>;
} {
  const grants = new Map<string, RedeemedGrant>();
  const owners = new Map<string, OwnerWithFields>();
  // The grants' rows come first, so every locked owner is known before their fields.
  for (const row of rows) {
    if (row.path !== null) {
      const { path, version, value_sealed } = row;
      owners.get(row.locked_owner_id)?.fields.push({ path, version, value_sealed });
      continue;
    }
    const { id, owner_id, client_id, subject, fields, expires_at, revoked_at, token_hash, jkt } = row;
    grants.set(id, { id, owner_id, client_id, subject, fields, expires_at, revoked_at, token_hash, jkt });
    const ownerId = row.locked_owner_id;
    if (ownerId === null || owners.has(ownerId)) continue;
    const { data_key_wrapped, audit_seq, audit_hash } = row as LockedGrantRow & RedeemingOwner;
    owners.set(ownerId, { owner: { id: ownerId, data_key_wrapped, audit_seq, audit_hash }, fields: [] });
  }
  return { grants, owners };
}

/** The entries as one array per access_log column, in RECORD_READS's order. */
export function logColumns(entries: AccessLogRow[]): unknown[][] {
  return [
    entries.map((e) => e.owner_id),
    entries.map((e) => e.seq),
    entries.map((e) => e.at),
    entries.map((e) => e.action),
    entries.map((e) => e.client_id),
    entries.map((e) => e.grant_id),
    entries.map((e) => e.detail),
    entries.map((e) => e.prev_hash),
    entries.map((e) => e.hash),
  ];
}
