import type { Db, Trx } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import { lockOwner } from '../owners/lock-owner.ts';
import { setAuditHead } from '../owners/owner.repository.ts';
import type { OwnerRow } from '../owners/owner.table.ts';
import { sha256 } from '../sha256.ts';
import {
  findAccessLogChain,
  findAccessLogEntries,
  findAuditHead,
  insertAccessLogEntry,
} from './audit.repository.ts';
import type { AccessLogRow } from './audit.table.ts';

/** What happened, in `entity.past_tense`-style names the owner's log shows. */
export const accessActions = [
  'data.read',
  'data.read_unchanged',
  'grant.approved',
  'grant.declined',
  'grant.collected',
  'grant.revoked',
  'grant.relinquished',
  'grant.narrowed',
  'contact.checked',
  'contact.recorded',
  'contact.refused',
  'contact.terms_changed',
  'grant.shared',
  'relationship.ended',
  'erasure.acknowledged',
  'terms.changed',
] as const;
export type AccessAction = (typeof accessActions)[number];

export interface AccessLogInput {
  ownerId: string;
  at: number;
  action: AccessAction;
  clientId?: string | null;
  grantId?: string | null;
  /** Field names, counts, reasons: never values. */
  detail?: Record<string, unknown>;
}

/** One entry as the owner sees it. */
export interface AccessLogEntry {
  seq: number;
  at: string;
  action: string;
  clientId: string | null;
  grantId: string | null;
  detail: Record<string, unknown>;
  hash: string;
}

/** The owner's row as locked in this transaction: it holds the access log's chain head. */
export type LockedChainHead = Pick<OwnerRow, 'id' | 'audit_seq' | 'audit_hash'>;

/**
 * Appends to the owner's hash-chained access log, inside the caller's
 * transaction so the entry commits with the change it records. The owner's
 * row holds the chain head and is locked first, so concurrent appends for
 * one owner queue up instead of forking the chain.
 *
 * A caller that locked the owner's row in this transaction already passes it
 * as `locked`: the row is not locked twice, and its head is moved along with
 * the chain, so the caller's next append follows this one.
 */
export async function appendAccessLog(
  trx: Trx,
  input: AccessLogInput,
  locked?: LockedChainHead,
): Promise<void> {
  if (locked !== undefined && locked.id !== input.ownerId) {
    throw new Error('appendAccessLog: the locked row is another owner’s');
  }
  const owner = locked ?? (await lockOwner(trx, input.ownerId));
  if (!owner) throw new KithError('UNAUTHENTICATED');
  const entry = chainAccessLogEntry(owner, input);
  await insertAccessLogEntry(trx, entry);
  await setAuditHead(trx, input.ownerId, entry.seq, entry.hash);
  owner.audit_seq = entry.seq;
  owner.audit_hash = entry.hash;
}

/**
 * The entry that follows the owner's chain head: its sequence number, the
 * hash before it and its own hash. The caller writes it and moves the head,
 * in one transaction that holds the owner's row.
 */
export function chainAccessLogEntry(
  head: { audit_seq: number; audit_hash: string },
  input: AccessLogInput,
): AccessLogRow {
  const row = {
    owner_id: input.ownerId,
    seq: head.audit_seq + 1,
    at: input.at,
    action: input.action,
    client_id: input.clientId ?? null,
    grant_id: input.grantId ?? null,
    detail: JSON.stringify(input.detail ?? {}),
    prev_hash: head.audit_hash || genesisHash(input.ownerId),
  };
  return { ...row, hash: entryHash(row) };
}

/** The newest entries first, optionally for one vendor. */
export async function listAccessLog(
  db: Db,
  ownerId: string,
  options: { clientId?: string; beforeSeq?: number; limit?: number; exceptActions?: readonly string[] } = {},
): Promise<AccessLogEntry[]> {
  const rows = await findAccessLogEntries(db, ownerId, {
    ...options,
    limit: Math.min(options.limit ?? 50, 500),
  });
  return rows.map(toEntry);
}

export type ChainVerification =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/** A verified place in an owner's chain: an entry's sequence number and hash (0 and the genesis hash before the first). */
export interface ChainPoint {
  seq: number;
  hash: string;
}

/** Where an owner's chain starts: before its first entry. */
export function chainStart(ownerId: string): ChainPoint {
  return { seq: 0, hash: genesisHash(ownerId) };
}

/** Entries read from the database per page when walking a chain. */
export const CHAIN_PAGE = 1000;

/**
 * Checks that `rows`, in order, continue the chain from `from`: sequence
 * numbers without gaps, each `prev_hash` equal to the hash before it, each
 * hash recomputed from its entry. Answers the point the rows reach, or where
 * the chain breaks.
 */
export function continueChain(
  from: ChainPoint,
  rows: readonly AccessLogRow[],
): { ok: true; point: ChainPoint } | Extract<ChainVerification, { ok: false }> {
  let { seq, hash } = from;
  for (const row of rows) {
    if (row.seq !== seq + 1) return broken(seq, row.seq, `entry ${seq + 1} is missing`);
    if (row.prev_hash !== hash) return broken(seq, row.seq, 'prev_hash does not match the entry before');
    if (entryHash(row) !== row.hash) return broken(seq, row.seq, 'the entry was altered');
    hash = row.hash;
    seq = row.seq;
  }
  return { ok: true, point: { seq, hash } };
}

/**
 * Whether a chain verified up to `point` ends at the head on the owner's
 * row (so dropping the newest entries is caught too).
 */
export function endsAtHead(
  point: ChainPoint,
  head: { audit_seq: number; audit_hash: string },
): ChainVerification {
  if (point.seq !== head.audit_seq || (point.seq > 0 && point.hash !== head.audit_hash)) {
    return broken(point.seq, point.seq + 1, 'entries after the last one found are missing');
  }
  return { ok: true, entries: point.seq, head: point.seq === 0 ? '' : point.hash };
}

/**
 * Walks the owner's whole chain from the first entry to the head read at
 * the start (entries appended meanwhile wait for the next check). This is
 * the full check `kith audit verify` runs; the owner's pages go on from a
 * checkpoint instead (access-log-verifier.ts).
 */
export async function verifyAccessLog(db: Db, ownerId: string): Promise<ChainVerification> {
  const head = await findAuditHead(db, ownerId);
  if (!head) throw new KithError('NOT_FOUND');
  let point = chainStart(ownerId);
  for (;;) {
    const page = await findAccessLogChain(db, ownerId, {
      afterSeq: point.seq,
      throughSeq: head.audit_seq,
      limit: CHAIN_PAGE,
    });
    const step = continueChain(point, page);
    if (!step.ok) return step;
    point = step.point;
    if (page.length < CHAIN_PAGE) break;
  }
  return endsAtHead(point, head);
}

function broken(
  entries: number,
  brokenAt: number,
  reason: string,
): Extract<ChainVerification, { ok: false }> {
  return { ok: false, entries, brokenAt, reason };
}

function genesisHash(ownerId: string): string {
  return sha256(`kith-access-log/v1|${ownerId}`);
}

function entryHash(row: Omit<AccessLogRow, 'hash'>): string {
  // A fixed field order with explicit separators: the same bytes on every dialect.
  return sha256(
    [
      row.prev_hash,
      row.owner_id,
      row.seq,
      row.at,
      row.action,
      row.client_id ?? '',
      row.grant_id ?? '',
      row.detail,
    ].join('\u001f'),
  );
}

function toEntry(row: AccessLogRow): AccessLogEntry {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    action: row.action,
    clientId: row.client_id,
    grantId: row.grant_id,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    hash: row.hash,
  };
}
