// The owner's side of contact: the terms per vendor, "do not contact", and
// telling vendors when their terms change. The vendor's side (check, record)
// is contact.service.ts.
import {
  type ContactChannel,
  type ContactEventView,
  type ContactTermsOverride,
  contactChannels,
  contactPurposes,
  type EffectiveContactTerms,
  type VendorContactTermsView,
} from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import {
  findContactEvents,
  findContactTerms,
  hasAnyGrant,
  upsertContactTerms,
} from '../contact-rules/contact.repository.ts';
import {
  effectiveTerms,
  overrideQuietHours,
  readOwnerDefaults,
} from '../contact-rules/owner-contact-rules.ts';
import type { Executor, Trx } from '../db/database.ts';
import { emitEvent } from '../events/event.service.ts';
import { findLiveGrants } from '../grants/grant.repository.ts';
import type { GrantRow } from '../grants/grant.table.ts';
import { findRequestedContacts } from '../grants/grant-request.repository.ts';
import { KithError } from '../http/kith-error.ts';
import { lockOwner } from '../owners/lock-owner.ts';
import { findOwnerById } from '../owners/owner.repository.ts';
import type { OwnerRow } from '../owners/owner.table.ts';
import { askOf, type ContactDeps, NO_CONTACT_ASKED } from './contact.service.ts';

/** The owner's terms for one vendor: what they set, and what that leaves the vendor. */
export async function readVendorContactTerms(
  deps: ContactDeps,
  ownerId: string,
  clientId: string,
): Promise<VendorContactTermsView> {
  if (!(await hasAnyGrant(deps.db, ownerId, clientId))) throw new KithError('NOT_FOUND');
  const owner = await findOwnerById(deps.db, ownerId);
  if (!owner) throw new KithError('UNAUTHENTICATED');
  return vendorTermsView(deps, deps.db, owner, clientId);
}

/**
 * Replaces the owner's terms for one vendor; takes effect on the next check.
 * When what the vendor may do changed, the vendor hears `contact.terms_changed`
 * in the same transaction (if it holds a collected, live grant).
 */
export async function setVendorContactTerms(
  deps: ContactDeps,
  ownerId: string,
  clientId: string,
  override: ContactTermsOverride,
): Promise<VendorContactTermsView> {
  return updateVendorContactTerms(deps, ownerId, clientId, () => override);
}

/**
 * Turns "do not contact" on or off for one vendor, keeping the rest of the
 * owner's terms as they are at that moment.
 */
export async function setDoNotContact(
  deps: ContactDeps,
  ownerId: string,
  clientId: string,
  doNotContact: boolean,
): Promise<VendorContactTermsView> {
  return updateVendorContactTerms(deps, ownerId, clientId, (current) => ({ ...current, doNotContact }));
}

/**
 * Changes the owner's terms for one vendor from the terms in force, read under
 * the owner's lock: a form saved from an older page cannot undo a "do not
 * contact" set since, if it keeps the flag it finds.
 *
 * @example
 * await updateVendorContactTerms(deps, ownerId, clientId, (current) => ({ ...form, doNotContact: current.doNotContact }));
 */
export async function updateVendorContactTerms(
  deps: ContactDeps,
  ownerId: string,
  clientId: string,
  change: (current: ContactTermsOverride) => ContactTermsOverride,
): Promise<VendorContactTermsView> {
  // Another owner's vendor, or one never granted anything, is as unknown as a made-up one.
  if (!(await hasAnyGrant(deps.db, ownerId, clientId))) throw new KithError('NOT_FOUND');
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const owner = await lockOwner(trx, ownerId);
    if (!owner) throw new KithError('UNAUTHENTICATED');
    const before = await vendorTermsView(deps, trx, owner, clientId);
    const override = change(before.override);
    await upsertContactTerms(trx, {
      owner_id: ownerId,
      client_id: clientId,
      channels: override.channels ? JSON.stringify(override.channels) : null,
      allow_marketing: override.allowMarketing === null ? null : override.allowMarketing ? 1 : 0,
      max_per_week: override.maxPerWeek,
      quiet_start: override.quietHours?.start ?? null,
      quiet_end: override.quietHours?.end ?? null,
      do_not_contact: override.doNotContact ? 1 : 0,
      updated_at: now,
    });
    const after = await vendorTermsView(deps, trx, owner, clientId);
    if (JSON.stringify(before.override) === JSON.stringify(after.override)) return after;

    await appendAccessLog(
      trx,
      {
        ownerId,
        at: now,
        action: 'contact.terms_changed',
        clientId,
        detail: {
          do_not_contact: override.doNotContact,
          channels: after.effective.channels,
          purposes: after.effective.purposes,
          max_per_week: after.effective.maxPerWeek,
        },
      },
      owner,
    );
    // The vendor hears it only about grants it collected: one it never knew, it need not hear of.
    const grants = (await findLiveGrants(trx, ownerId, now, clientId)).filter((g) => g.collected_at !== null);
    if (JSON.stringify(before.effective) !== JSON.stringify(after.effective)) {
      await emitTermsChanged(trx, ownerId, clientId, grants, after, now);
    }
    return after;
  });
}

/**
 * The owner changed their own defaults (the profile's `contact.*` fields),
 * inside that change's transaction: every vendor holding a live, collected
 * grant hears its terms as they now are. Quiet hours and the time zone are
 * not sent; the vendor learns timing from `nextAllowedAt`.
 */
export async function emitContactDefaultsChanged(
  deps: Pick<ContactDeps, 'keys' | 'clock'>,
  trx: Trx,
  owner: OwnerRow,
  now: number,
): Promise<void> {
  const byVendor = new Map<string, GrantRow[]>();
  for (const grant of await findLiveGrants(trx, owner.id, now)) {
    if (grant.collected_at === null) continue;
    byVendor.set(grant.client_id, [...(byVendor.get(grant.client_id) ?? []), grant]);
  }
  for (const [clientId, grants] of byVendor) {
    const view = await vendorTermsView(deps, trx, owner, clientId);
    await emitTermsChanged(trx, owner.id, clientId, grants, view, now);
  }
}

async function emitTermsChanged(
  trx: Trx,
  ownerId: string,
  clientId: string,
  grants: GrantRow[],
  view: VendorContactTermsView,
  now: number,
): Promise<void> {
  const [first] = grants;
  if (!first) return;
  await emitEvent(trx, {
    ownerId,
    clientId,
    type: 'contact.terms_changed',
    data: {
      sub: first.subject,
      grant_ids: grants.map((g) => g.id),
      contact: {
        channels: view.effective.channels,
        purposes: view.effective.purposes,
        max_per_week: view.effective.maxPerWeek,
      },
      do_not_contact: view.effective.doNotContact,
    },
    at: now,
  });
}

/** Every check and contact of one vendor, newest first. */
export async function listContactEvents(
  deps: ContactDeps,
  ownerId: string,
  clientId: string,
  limit = 100,
): Promise<ContactEventView[]> {
  const rows = await findContactEvents(deps.db, ownerId, clientId, Math.min(limit, 500));
  return rows.map((row) => ({
    id: row.id,
    clientId: row.client_id,
    grantId: row.grant_id,
    kind: row.kind,
    channel: row.channel,
    purpose: row.purpose,
    allowed: row.outcome === 'allowed',
    reason: row.reason,
    at: new Date(Number(row.at)).toISOString(),
  }));
}

/**
 * The channels the vendor asked for, by grant: what its request asked, not
 * what the owner allowed. A grant the owner shared unasked asked none.
 */
export async function channelsAskedByGrant(
  deps: Pick<ContactDeps, 'db'>,
  ownerId: string,
  clientId: string,
): Promise<Record<string, ContactChannel[]>> {
  const asked: Record<string, ContactChannel[]> = {};
  for (const { grantId, contact } of await findRequestedContacts(deps.db, ownerId, clientId)) {
    asked[grantId] = contact?.channels ?? [];
  }
  return asked;
}

async function vendorTermsView(
  deps: Pick<ContactDeps, 'keys' | 'clock'>,
  trx: Executor,
  owner: OwnerRow,
  clientId: string,
): Promise<VendorContactTermsView> {
  const defaults = await readOwnerDefaults(deps, trx, owner);
  const override = await findContactTerms(trx, owner.id, clientId);
  const grants = await findLiveGrants(trx, owner.id, deps.clock.now(), clientId);
  // Across the vendor's live grants: the most any of them allows (nothing, without one).
  const effective: EffectiveContactTerms = {
    ...effectiveTerms(NO_CONTACT_ASKED, defaults, override),
    purposes: [],
  };
  for (const terms of grants.map((g) => effectiveTerms(askOf(g), defaults, override))) {
    effective.channels = [...new Set([...effective.channels, ...terms.channels])];
    effective.purposes = contactPurposes.filter(
      (p) => effective.purposes.includes(p) || terms.purposes.includes(p),
    );
    effective.maxPerWeek = Math.max(effective.maxPerWeek, terms.maxPerWeek);
  }
  const asks = grants.map(askOf);
  return {
    clientId,
    asked: {
      channels: contactChannels.filter((c) => asks.some((a) => a.channels.includes(c))),
      purposes: contactPurposes.filter((p) => asks.some((a) => a.purposes.includes(p))),
      maxPerWeek: Math.max(0, ...asks.map((a) => a.max_per_week)),
    },
    override: {
      channels: override?.channels ? (JSON.parse(override.channels) as ContactChannel[]) : null,
      allowMarketing: override?.allow_marketing == null ? null : override.allow_marketing === 1,
      maxPerWeek: override?.max_per_week ?? null,
      quietHours: overrideQuietHours(override),
      doNotContact: override?.do_not_contact === 1,
    },
    effective,
    updatedAt: override ? new Date(Number(override.updated_at)).toISOString() : null,
  };
}
