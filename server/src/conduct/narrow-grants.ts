import type { ConductNarrowed, ConductRecord, FieldPath } from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import type { Trx } from '../db/database.ts';
import { emitEvent } from '../events/event.service.ts';
import { findLiveGrants, lockGrant, updateGrant } from '../grants/grant.repository.ts';
import { revokeInTransaction } from '../grants/grant.service.ts';
import type { GrantRow } from '../grants/grant.table.ts';
import { decodeGrant, type Grant } from '../grants/grant.ts';
import { signConsentReceipt } from '../grants/grant-collect.service.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { KithError } from '../http/kith-error.ts';
import { type ConductDeps, readConduct, sortFields } from './conduct.service.ts';

/** What narrowing would do to one live grant: keep the fields read, drop the rest. */
export interface GrantNarrowing {
  grant: Grant;
  keep: FieldPath[];
  removed: FieldPath[];
}

/**
 * What "stop sharing the fields they never read" would do, for the page to
 * say before the owner confirms: each live grant with an unread field keeps
 * only the fields read in the conduct window; one with none read is revoked.
 * The purposes list no required fields, so none is kept for its purpose.
 *
 * @example
 * const plan = await planNarrowing(deps, owner.id, clientId);
 * plan.filter((p) => p.keep.length === 0) // the grants it would revoke
 */
export async function planNarrowing(
  deps: ConductDeps,
  ownerId: string,
  clientId: string,
  record?: ConductRecord,
): Promise<GrantNarrowing[]> {
  const { fields } = record ?? (await readConduct(deps, ownerId, clientId));
  const read = new Set<string>(fields.read);
  const live = await findLiveGrants(deps.db, ownerId, deps.clock.now(), clientId);
  return live
    .map(decodeGrant)
    .map((grant) => ({
      grant,
      keep: grant.fields.filter((f) => read.has(f)),
      removed: grant.fields.filter((f) => !read.has(f)),
    }))
    .filter((plan) => plan.removed.length > 0);
}

/**
 * Narrows every live grant to a vendor to the fields it read, in one
 * transaction. A narrowed grant gets a new version: its fields and a newly
 * signed consent receipt (the owner's copy) change, the vendor hears
 * `grant.narrowed` with the version and fields, and redeem — which answers
 * from the grant row, never from the token's claims — gives only those from
 * now on, to the token the vendor already holds. A grant with no field read
 * is revoked (`grant.revoked`).
 *
 * @example
 * const { narrowed, revoked, removed } = await narrowGrants(deps, owner.id, clientId);
 */
export async function narrowGrants(
  deps: GrantDeps,
  ownerId: string,
  clientId: string,
): Promise<ConductNarrowed> {
  const plans = await planNarrowing(deps, ownerId, clientId);
  if (plans.length === 0) throw new KithError('NOTHING_TO_NARROW');
  const now = deps.clock.now();
  // Signed before the transaction, as collect does: on SQLite the one
  // connection is the transaction's, and the keyring may need to read.
  const receipts = await Promise.all(
    plans.map((p) =>
      p.keep.length === 0 || p.grant.receipt === null
        ? null
        : signConsentReceipt(deps, p.grant, {
            fields: p.keep,
            iat: Math.floor(now / 1000),
            version: p.grant.version + 1,
          }),
    ),
  );
  const answer: ConductNarrowed = { narrowed: [], revoked: [], removed: [] };
  await deps.db.transaction().execute(async (trx) => {
    for (const [i, plan] of plans.entries()) {
      const grant = await lockGrant(trx, plan.grant.id, 'update');
      // Revoked or narrowed since the plan was made (another tab): nothing is
      // written, and the owner looks again at what now stands.
      if (!grant || grant.revoked_at !== null || grant.version !== plan.grant.version)
        throw new KithError('NOTHING_TO_NARROW', { detail: 'These grants changed meanwhile; look again.' });
      if (plan.keep.length === 0) {
        await revokeInTransaction(deps, trx, grant, 'owner');
        answer.revoked.push(grant.id);
      } else {
        const version = await narrowInTransaction(trx, grant, plan, receipts[i] ?? null, now);
        answer.narrowed.push({ grantId: grant.id, version, fields: plan.keep });
      }
    }
  });
  answer.removed = sortFields(new Set(plans.flatMap((p) => p.removed)));
  return answer;
}

async function narrowInTransaction(
  trx: Trx,
  grant: GrantRow,
  plan: GrantNarrowing,
  receipt: string | null,
  now: number,
): Promise<number> {
  const version = grant.version + 1;
  await updateGrant(trx, grant.id, { fields: JSON.stringify(plan.keep), version, receipt });
  await appendAccessLog(trx, {
    ownerId: grant.owner_id,
    at: now,
    action: 'grant.narrowed',
    clientId: grant.client_id,
    grantId: grant.id,
    detail: { fields: plan.keep, removed: plan.removed, version },
  });
  // A grant not yet collected carries no token: its collect will mint one with these fields.
  if (grant.collected_at !== null) {
    await emitEvent(trx, {
      ownerId: grant.owner_id,
      clientId: grant.client_id,
      type: 'grant.narrowed',
      data: { sub: grant.subject, grant_id: grant.id, version, fields: plan.keep, removed: plan.removed },
      at: now,
    });
  }
  return version;
}
