import type { FieldPath, Purpose } from '@kith/schemas';
import { countReadsByGrant } from '../audit/audit.repository.ts';
import { appendAccessLog, type LockedChainHead } from '../audit/audit.service.ts';
import type { Trx } from '../db/database.ts';
import { emitEvent } from '../events/event.service.ts';
import { KithError } from '../http/kith-error.ts';
import { findGrantById, findOwnerGrants, lockGrant, revokeGrantRow } from './grant.repository.ts';
import type { GrantRow } from './grant.table.ts';
import { grantFieldsOf } from './grant.table.ts';
import { authenticateGrant, type GrantPresentation, type PresentationDeps } from './grant-presentation.ts';
import type { GrantDeps } from './grant-request.service.ts';

/** A grant as the owner's pages show it. */
export interface OwnerGrant {
  id: string;
  clientId: string;
  fields: FieldPath[];
  purpose: Purpose;
  createdAt: number;
  expiresAt: number;
  collectedAt: number | null;
  revokedAt: number | null;
  revokedBy: 'owner' | 'vendor' | null;
  live: boolean;
  reads: number;
  lastReadAt: number | null;
  hasReceipt: boolean;
}

/** The vendor gives a grant back; the next redeem is `GRANT_REVOKED`. */
export async function relinquishGrant(deps: PresentationDeps, presented: GrantPresentation): Promise<void> {
  const { grant } = await authenticateGrant(deps, presented);
  await revoke(deps, grant, 'vendor');
}

/**
 * The owner revokes one of their grants. Immediate: the grant row is checked
 * on every redeem, whatever the token's `exp` says. Revoking twice is fine.
 */
export async function revokeGrant(deps: GrantDeps, ownerId: string, grantId: string): Promise<void> {
  const grant = await findGrantById(deps.db, grantId);
  // Another owner's grant is as unknown as a made-up id.
  if (!grant || grant.owner_id !== ownerId) throw new KithError('GRANT_NOT_FOUND');
  if (grant.revoked_at !== null) return;
  await revoke(deps, grant, 'owner');
}

/** Every grant of an owner (optionally to one vendor), newest first, with read counts. */
export async function listOwnerGrants(
  deps: GrantDeps,
  ownerId: string,
  clientId?: string,
): Promise<OwnerGrant[]> {
  const [rows, reads] = await Promise.all([
    findOwnerGrants(deps.db, ownerId, clientId),
    countReadsByGrant(deps.db, ownerId),
  ]);
  const readsByGrant = new Map(reads.map((r) => [r.grant_id, r]));
  const now = deps.clock.now();
  return rows.map((row) => {
    const read = readsByGrant.get(row.id);
    return {
      id: row.id,
      clientId: row.client_id,
      fields: grantFieldsOf(row),
      purpose: row.purpose as Purpose,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      collectedAt: row.collected_at,
      revokedAt: row.revoked_at,
      revokedBy: row.revoked_by,
      live: row.revoked_at === null && now < row.expires_at,
      reads: Number(read?.reads ?? 0),
      lastReadAt: read?.last_read_at === null || read === undefined ? null : Number(read.last_read_at),
      hasReceipt: row.receipt !== null,
    };
  });
}

/** The signed consent receipt of one of the owner's grants. */
export async function grantReceipt(deps: GrantDeps, ownerId: string, grantId: string): Promise<string> {
  const grant = await findGrantById(deps.db, grantId);
  if (!grant || grant.owner_id !== ownerId || grant.receipt === null) throw new KithError('GRANT_NOT_FOUND');
  return grant.receipt;
}

async function revoke(deps: GrantDeps, grant: GrantRow, by: 'owner' | 'vendor'): Promise<void> {
  await deps.db.transaction().execute((trx) => revokeInTransaction(deps, trx, grant, by));
}

/**
 * Revokes one grant inside the caller's transaction: stamps it, logs it and
 * tells the vendor (`grant.revoked`). Answers whether this call revoked it
 * (false if it already was), so a caller revoking many knows which it ended.
 */
export async function revokeInTransaction(
  deps: GrantDeps,
  trx: Trx,
  grant: GrantRow,
  by: 'owner' | 'vendor',
  /** The owner's row, when the caller locked it in this transaction already (see appendAccessLog). */
  lockedOwner?: LockedChainHead,
): Promise<boolean> {
  // Redeems in flight hold the grant's lock; `revoked_at` is stamped once
  // they are done, so every read they logged comes before it.
  await lockGrant(trx, grant.id, 'update');
  const now = deps.clock.now();
  if (!(await revokeGrantRow(trx, grant.id, now, by))) return false;
  await appendAccessLog(
    trx,
    {
      ownerId: grant.owner_id,
      at: now,
      action: by === 'owner' ? 'grant.revoked' : 'grant.relinquished',
      clientId: grant.client_id,
      grantId: grant.id,
      detail: { fields: grantFieldsOf(grant) },
    },
    lockedOwner,
  );
  // The vendor hears it in the same transaction's outbox; a grant it never collected it never knew.
  if (grant.collected_at !== null) {
    await emitEvent(trx, {
      ownerId: grant.owner_id,
      clientId: grant.client_id,
      type: 'grant.revoked',
      data: { sub: grant.subject, grant_id: grant.id, revoked_by: by },
      at: now,
    });
  }
  return true;
}
