import { type FieldPath, isFieldPath, type Purpose, purposes } from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import { emitEvent } from '../events/event.service.ts';
import { findLiveGrants } from '../grants/grant.repository.ts';
import { issueGrant } from '../grants/grant.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { KithError } from '../http/kith-error.ts';
import { lockOwner } from '../owners/lock-owner.ts';

/** What the owner shares, unasked, and with whom. */
export interface ShareInput {
  clientIds: string[];
  fields: string[];
  purpose: Purpose;
  durationSeconds: number;
}

/**
 * The owner shares fields a vendor did not ask for ("send my new address to
 * these three"): one grant per vendor, each announced by a `grant.created`
 * event the vendor collects by its id. Only vendors the owner has a live
 * relationship with: a goodbye is not undone by a share, and a stranger has
 * no key the vault knows. All the grants are made in one transaction, or none.
 *
 * @example
 * const grants = await shareFields(deps, owner.id, { clientIds: [a, b, c], fields: ['address'], purpose: 'delivery', durationSeconds: 30 * 86400 });
 */
export async function shareFields(
  deps: GrantDeps,
  ownerId: string,
  input: ShareInput,
): Promise<{ id: string; clientId: string }[]> {
  const clientIds = [...new Set(input.clientIds)];
  const fields = [...new Set(input.fields)];
  if (clientIds.length === 0 || fields.length === 0) {
    throw new KithError('VALIDATION_FAILED', { detail: 'Pick at least one vendor and one detail.' });
  }
  const unknown = fields.find((f) => !isFieldPath(f));
  if (unknown !== undefined) throw new KithError('UNKNOWN_FIELD', { detail: `No field ${unknown}.` });
  if (!Object.hasOwn(purposes, input.purpose) || !Number.isInteger(input.durationSeconds)) {
    throw new KithError('VALIDATION_FAILED', { detail: 'Pick a purpose and a duration.' });
  }
  const durationSeconds = Math.max(60, input.durationSeconds);

  return deps.db.transaction().execute(async (trx) => {
    // The owner's row first, before any grant insert takes a key-share lock on it (see approveGrantRequest).
    const owner = await lockOwner(trx, ownerId);
    if (!owner) throw new KithError('UNAUTHENTICATED');
    const now = deps.clock.now();
    const shared: { id: string; clientId: string }[] = [];
    for (const clientId of clientIds) {
      // A vendor the owner ended with, or never knew, gets nothing: end and share are not to be confused.
      if ((await findLiveGrants(trx, ownerId, now, clientId)).length === 0) {
        throw new KithError('RELATIONSHIP_NOT_FOUND', { detail: `No live relationship with ${clientId}.` });
      }
      const { id, subject, expiresAt } = await issueGrant(trx, deps.keys, {
        ownerId,
        clientId,
        fields: fields as FieldPath[],
        purpose: input.purpose,
        durationSeconds,
        origin: 'owner',
        at: now,
      });
      await appendAccessLog(
        trx,
        {
          ownerId,
          at: now,
          action: 'grant.shared',
          clientId,
          grantId: id,
          detail: { fields, purpose: input.purpose, durationSeconds },
        },
        owner,
      );
      await emitEvent(trx, {
        ownerId,
        clientId,
        type: 'grant.created',
        data: {
          sub: subject,
          grant_id: id,
          fields: fields as FieldPath[],
          purpose: input.purpose,
          expires_at: new Date(expiresAt).toISOString(),
        },
        at: now,
      });
      shared.push({ id, clientId });
    }
    return shared;
  });
}
