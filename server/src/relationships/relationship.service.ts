import {
  DEFAULT_ERASURE_DAYS,
  type ErasureAcknowledged,
  type ErasureView,
  findAgreement,
  MAX_ERASURE_DAYS,
} from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import { emitEvent } from '../events/event.service.ts';
import { lockGrant } from '../grants/grant.repository.ts';
import { revokeInTransaction } from '../grants/grant.service.ts';
import type { GrantRow } from '../grants/grant.table.ts';
import { grantTermsOf } from '../grants/grant.table.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { pairwiseSubject } from '../grants/pairwise-subject.ts';
import { KithError } from '../http/kith-error.ts';
import { newId } from '../ids.ts';
import { lockOwner } from '../owners/lock-owner.ts';
import type { ErasureRequestRow } from './erasure.table.ts';
import {
  acknowledgeErasureRow,
  findErasureRequestById,
  findErasureRequests,
  findLatestGrantAt,
  findUnrevokedVendorGrants,
  insertErasureRequest,
} from './relationship.repository.ts';

export type RelationshipDeps = GrantDeps;

const DAY_MS = 24 * 3_600_000;

/** Where an erasure stands, for the owner's pages (epoch ms). */
export interface Erasure {
  id: string;
  clientId: string;
  requestedAt: number;
  deadline: number;
  acknowledgedAt: number | null;
  status: ErasureView['status'];
  /** Whole days past the deadline while overdue (at least 1); 0 otherwise. */
  overdueDays: number;
}

/** An owner's relationship with one vendor: whether it was ended, and the erasure it asked for. */
export interface Relationship {
  /** True from the goodbye until the owner grants this vendor something again. */
  ended: boolean;
  /** The newest erasure request to this vendor, if the owner ever ended the relationship. */
  erasure: Erasure | undefined;
}

/**
 * The owner ends a relationship, in one transaction: every grant to the
 * vendor revoked (each a `grant.revoked`), a `relationship.ended`, and an
 * `erasure.requested` with a deadline the vendor acknowledges by. Either all
 * of it happens or none does; ending twice is `RELATIONSHIP_NOT_FOUND`.
 *
 * @example
 * const { erasure } = await endRelationship(deps, owner.id, clientId, { erasureDays: 14 });
 */
export async function endRelationship(
  deps: RelationshipDeps,
  ownerId: string,
  clientId: string,
  options: { erasureDays?: number } = {},
): Promise<{ revokedGrantIds: string[]; erasure: Erasure }> {
  const asked = options.erasureDays;
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1 || asked > MAX_ERASURE_DAYS)) {
    throw new KithError('VALIDATION_FAILED', {
      detail: `The erasure deadline is 1 to ${MAX_ERASURE_DAYS} days.`,
      errors: [{ path: '/erasureDays', code: 'too_big', message: `Pick 1 to ${MAX_ERASURE_DAYS} days.` }],
    });
  }
  const subject = pairwiseSubject(deps.keys, ownerId, clientId);

  return deps.db.transaction().execute(async (trx) => {
    // Every grant is locked before the owner row, the order redeems and single
    // revokes take, so a goodbye and a redeem in flight cannot deadlock.
    const grants = await findUnrevokedVendorGrants(trx, ownerId, clientId);
    for (const grant of [...grants].sort((a, b) => a.id.localeCompare(b.id))) {
      await lockGrant(trx, grant.id, 'update');
    }
    // One goodbye at a time per owner: a second click waits here, then finds it ended.
    const owner = await lockOwner(trx, ownerId);
    if (!owner) throw new KithError('UNAUTHENTICATED');
    if (!(await isLive(trx, ownerId, clientId))) throw new KithError('RELATIONSHIP_NOT_FOUND');

    const revokedGrantIds: string[] = [];
    for (const grant of grants) {
      if (await revokeInTransaction(deps, trx, grant, 'owner', owner)) revokedGrantIds.push(grant.id);
    }
    const now = deps.clock.now();
    // The owner's terms say how long the vendor may keep the data after goodbye.
    const erasureDays = asked ?? retentionDaysOf(grants) ?? DEFAULT_ERASURE_DAYS;
    const erasure: ErasureRequestRow = {
      id: newId('era'),
      owner_id: ownerId,
      client_id: clientId,
      subject,
      requested_at: now,
      deadline: now + erasureDays * DAY_MS,
      acknowledged_at: null,
    };
    await insertErasureRequest(trx, erasure);
    await emitEvent(trx, {
      ownerId,
      clientId,
      type: 'relationship.ended',
      data: { sub: subject, grant_ids: revokedGrantIds },
      at: now,
    });
    await emitEvent(trx, {
      ownerId,
      clientId,
      type: 'erasure.requested',
      data: { sub: subject, erasure_id: erasure.id, deadline: new Date(erasure.deadline).toISOString() },
      at: now,
    });
    await appendAccessLog(
      trx,
      {
        ownerId,
        at: now,
        action: 'relationship.ended',
        clientId,
        detail: { grantIds: revokedGrantIds, erasureId: erasure.id, erasureDays },
      },
      owner,
    );
    return { revokedGrantIds, erasure: toErasure(erasure, now) };
  });
}

/**
 * The vendor says it erased what it held. Authenticated as itself (its
 * grants are revoked by now); another vendor's erasure id is as unknown as a
 * made-up one. Acknowledging again answers the first acknowledgement.
 *
 * @example
 * const answer = await acknowledgeErasure(deps, vendor.clientId, 'era_…');
 */
export async function acknowledgeErasure(
  deps: RelationshipDeps,
  clientId: string,
  erasureId: string,
): Promise<ErasureAcknowledged> {
  const request = await findErasureRequestById(deps.db, erasureId);
  if (request?.client_id !== clientId) throw new KithError('ERASURE_NOT_FOUND');
  const acknowledged = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    if (await acknowledgeErasureRow(trx, request.id, now)) {
      await appendAccessLog(trx, {
        ownerId: request.owner_id,
        at: now,
        action: 'erasure.acknowledged',
        clientId,
        detail: { erasureId: request.id, late: now > request.deadline },
      });
    }
    return findErasureRequestById(trx, request.id);
  });
  const at = acknowledged?.acknowledged_at ?? deps.clock.now();
  return {
    erasure_id: request.id,
    deadline: new Date(request.deadline).toISOString(),
    acknowledged_at: new Date(at).toISOString(),
    late: at > request.deadline,
  };
}

/** The owner's relationship with one vendor: ended or not, and its newest erasure. */
export async function readRelationship(
  deps: RelationshipDeps,
  ownerId: string,
  clientId: string,
): Promise<Relationship> {
  const [latest] = await findErasureRequests(deps.db, ownerId, clientId);
  const latestGrantAt = await findLatestGrantAt(deps.db, ownerId, clientId);
  return {
    ended: latest !== undefined && (latestGrantAt === undefined || latest.requested_at >= latestGrantAt),
    erasure: latest ? toErasure(latest, deps.clock.now()) : undefined,
  };
}

/** The newest erasure per vendor, for the vendors dashboard. */
export async function latestErasures(deps: RelationshipDeps, ownerId: string): Promise<Map<string, Erasure>> {
  const now = deps.clock.now();
  const byVendor = new Map<string, Erasure>();
  for (const row of await findErasureRequests(deps.db, ownerId)) {
    if (!byVendor.has(row.client_id)) byVendor.set(row.client_id, toErasure(row, now));
  }
  return byVendor;
}

/**
 * Answers an erasure for the owner's API.
 *
 * @example
 * c.json({ erasure: erasureView(erasure) });
 */
export function erasureView(erasure: Erasure): ErasureView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    id: erasure.id,
    clientId: erasure.clientId,
    requestedAt: iso(erasure.requestedAt),
    deadline: iso(erasure.deadline),
    acknowledgedAt: erasure.acknowledgedAt === null ? null : iso(erasure.acknowledgedAt),
    status: erasure.status,
    overdueDays: erasure.overdueDays,
  };
}

// Live: the owner granted this vendor something, and has not said goodbye since.
async function isLive(trx: Parameters<typeof findLatestGrantAt>[0], ownerId: string, clientId: string) {
  const latestGrantAt = await findLatestGrantAt(trx, ownerId, clientId);
  if (latestGrantAt === undefined) return false;
  const [latest] = await findErasureRequests(trx, ownerId, clientId);
  return latest === undefined || latest.requested_at < latestGrantAt;
}

function toErasure(row: ErasureRequestRow, now: number): Erasure {
  const status =
    row.acknowledged_at !== null ? 'confirmed' : now > row.deadline ? 'overdue' : ('pending' as const);
  return {
    id: row.id,
    clientId: row.client_id,
    requestedAt: row.requested_at,
    deadline: row.deadline,
    acknowledgedAt: row.acknowledged_at,
    status,
    overdueDays: status === 'overdue' ? Math.max(1, Math.floor((now - row.deadline) / DAY_MS)) : 0,
  };
}

/** The shortest retention the agreements of these grants allow, within the erasure range; undefined if none has terms. */
function retentionDaysOf(grants: readonly GrantRow[]): number | undefined {
  const days = grants.flatMap((grant) => {
    const terms = grantTermsOf(grant);
    const agreement = terms ? findAgreement(terms) : undefined;
    return agreement ? [agreement.terms.retention_days] : [];
  });
  if (days.length === 0) return undefined;
  return Math.min(MAX_ERASURE_DAYS, Math.max(1, Math.min(...days)));
}
