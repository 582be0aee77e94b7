import {
  type ContactChannel,
  type ContactEventView,
  type ContactPurpose,
  type ContactReason,
  type ContactTerms,
  type ContactTermsOverride,
  contactChannels,
  contactPurposes,
  type EffectiveContactTerms,
  type VendorContactTermsView,
} from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import type { Executor, Trx } from '../db/database.ts';
import { emitEvent } from '../events/event.service.ts';
import { findLiveGrants, lockGrant } from '../grants/grant.repository.ts';
import { authenticateGrant, type GrantPresentation } from '../grants/grant.service.ts';
import type { GrantRow } from '../grants/grant.table.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { KithError } from '../http/kith-error.ts';
import { newId } from '../ids.ts';
import { findOwnerById, lockOwner } from '../owners/owner.repository.ts';
import { ownerDataKey } from '../owners/owner.service.ts';
import type { OwnerRow } from '../owners/owner.table.ts';
import { findProfileFields } from '../profile/profile.repository.ts';
import { openField } from '../profile/profile.service.ts';
import {
  findContactEvents,
  findContactsSince,
  findContactTerms,
  hasAnyGrant,
  insertContactEvent,
  upsertContactTerms,
} from './contact.repository.ts';
import type { ContactTermsRow } from './contact.table.ts';
import { nextOutsideQuietHours, type QuietHours, usableTimeZone } from './quiet-hours.ts';

export type ContactDeps = GrantDeps;

/** The contact a vendor is about to make. */
export interface ContactRequest {
  channel: ContactChannel;
  purpose: ContactPurpose;
}

/** The vault's answer, before it goes on the wire. */
export interface ContactAnswer {
  allowed: boolean;
  reason: ContactReason;
  /** The earliest moment this contact could be allowed; null when waiting will not help. */
  nextAllowedAt: number | null;
  remainingThisWeek: number;
  /** `record` only. */
  recorded?: boolean;
}

/** The owner's own contact defaults, from their profile. */
export interface OwnerContactDefaults {
  channels: ContactChannel[] | null;
  noMarketing: boolean;
  maxPerWeek: number | null;
  quietHours: QuietHours | null;
  timeZone: string;
}

/** The budget is a rolling seven days, not a calendar week. */
export const CONTACT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

// What a grant allows when the vendor asked for no contact at all: none.
const NO_CONTACT_ASKED: ContactTerms = { channels: [], purposes: ['service'], max_per_week: 0 };

const DEFAULT_PATHS = new Set([
  'contact.channels',
  'contact.no_marketing',
  'contact.max_per_week',
  'contact.quiet_hours',
  'zoneinfo',
]);

/**
 * May the vendor make this contact now? Presented like a redeem. The check is
 * recorded (in `contact_events` and the owner's access log) whatever the
 * answer; nothing is counted against the budget.
 */
export async function checkContact(
  deps: ContactDeps,
  presented: GrantPresentation,
  request: ContactRequest,
): Promise<ContactAnswer> {
  return decideAndLog(deps, presented, request, 'check');
}

/**
 * Checks and, if allowed, counts the contact, atomically: the owner's row is
 * locked before the budget is read (PostgreSQL; SQLite has one writer), so
 * concurrent records for one owner queue up and never exceed the budget.
 */
export async function recordContact(
  deps: ContactDeps,
  presented: GrantPresentation,
  request: ContactRequest,
): Promise<ContactAnswer> {
  return decideAndLog(deps, presented, request, 'contact');
}

async function decideAndLog(
  deps: ContactDeps,
  presented: GrantPresentation,
  request: ContactRequest,
  kind: 'check' | 'contact',
): Promise<ContactAnswer> {
  const { grant } = await authenticateGrant(deps, presented);
  return deps.db.transaction().execute(async (trx) => {
    // A revoke may have committed since the grant was checked: look again
    // under a lock, taken before the owner's as revoke takes them (so the two
    // cannot deadlock), and read the clock only then.
    const locked = await lockGrant(trx, grant.id, 'share');
    if (!locked || locked.revoked_at !== null) throw new KithError('GRANT_REVOKED');
    // The owner's row next queues every check and record of one owner: the
    // count read below cannot go stale before this transaction's insert.
    const owner = await lockOwner(trx, grant.owner_id);
    if (!owner) throw new KithError('INVALID_GRANT');
    const now = deps.clock.now();

    const defaults = await readOwnerDefaults(deps, trx, owner);
    const override = await findContactTerms(trx, grant.owner_id, grant.client_id);
    const terms = effectiveTerms(askOf(grant), defaults, override);
    const contacts = await findContactsSince(trx, grant.owner_id, grant.client_id, now - CONTACT_WINDOW_MS);
    const decision = decideContact(terms, request, contacts, now);
    const recorded = kind === 'contact' && decision.allowed;

    await insertContactEvent(trx, {
      id: newId('cev'),
      owner_id: grant.owner_id,
      client_id: grant.client_id,
      grant_id: grant.id,
      kind,
      channel: request.channel,
      purpose: request.purpose,
      outcome: decision.allowed ? 'allowed' : 'refused',
      reason: decision.reason,
      at: now,
    });
    await appendAccessLog(trx, {
      ownerId: grant.owner_id,
      at: now,
      action: kind === 'check' ? 'contact.checked' : recorded ? 'contact.recorded' : 'contact.refused',
      clientId: grant.client_id,
      grantId: grant.id,
      detail: {
        channel: request.channel,
        purpose: request.purpose,
        allowed: decision.allowed,
        reason: decision.reason,
      },
    });
    if (kind === 'check') return decision;
    return {
      ...decision,
      remainingThisWeek: recorded ? decision.remainingThisWeek - 1 : decision.remainingThisWeek,
      recorded,
    };
  });
}

/**
 * The rules, as a pure function of the terms, the contacts already made in
 * the last seven days (oldest first) and the time. The first refusal that
 * applies is the reason; `nextAllowedAt` satisfies the budget and quiet hours
 * together.
 *
 * @example
 * decideContact(terms, { channel: 'email', purpose: 'service' }, [], Date.now()).allowed
 */
export function decideContact(
  terms: EffectiveContactTerms,
  request: ContactRequest,
  contacts: readonly number[],
  now: number,
): ContactAnswer {
  const remaining = Math.max(0, terms.maxPerWeek - contacts.length);
  const refuse = (reason: ContactReason, nextAllowedAt: number | null = null): ContactAnswer => ({
    allowed: false,
    reason,
    nextAllowedAt,
    remainingThisWeek: remaining,
  });

  // The owner said stop: nothing gets through, and waiting will not change that.
  if (terms.doNotContact) return refuse('do_not_contact');
  if (!terms.channels.includes(request.channel)) return refuse('channel_not_allowed');
  if (!terms.purposes.includes(request.purpose)) {
    return refuse(request.purpose === 'marketing' ? 'marketing_refused' : 'purpose_not_allowed');
  }
  if (terms.maxPerWeek === 0) return refuse('weekly_limit_reached');

  // Budget: the contact that frees a slot is the one `maxPerWeek` back from the newest.
  const full = contacts.length >= terms.maxPerWeek;
  const freeAt = full ? (contacts[contacts.length - terms.maxPerWeek] as number) + CONTACT_WINDOW_MS : now;
  const nextAllowedAt = nextOutsideQuietHours(Math.max(now, freeAt), terms.quietHours, terms.timeZone);
  if (full) return refuse('weekly_limit_reached', nextAllowedAt);
  if (nextAllowedAt > now) return refuse('quiet_hours', nextAllowedAt);
  return { allowed: true, reason: 'allowed', nextAllowedAt: null, remainingThisWeek: remaining };
}

/**
 * What a grant allows: the vendor's ask, narrowed by the owner's defaults and
 * by what the owner set for this vendor. Each layer may only tighten.
 *
 * @example
 * effectiveTerms({ channels: ['email', 'sms'], purposes: ['service'], max_per_week: 3 }, defaults, undefined)
 */
export function effectiveTerms(
  ask: ContactTerms,
  defaults: OwnerContactDefaults,
  override: ContactTermsRow | undefined,
): EffectiveContactTerms {
  const overrideChannels = override?.channels ? (JSON.parse(override.channels) as ContactChannel[]) : null;
  const channels = ask.channels.filter(
    (c) => (defaults.channels?.includes(c) ?? true) && (overrideChannels?.includes(c) ?? true),
  );
  const marketingRefused = defaults.noMarketing || override?.allow_marketing === 0;
  const purposes = contactPurposes.filter(
    (p) => ask.purposes.includes(p) && !(p === 'marketing' && marketingRefused),
  );
  const maxPerWeek = Math.min(
    ask.max_per_week,
    defaults.maxPerWeek ?? Number.POSITIVE_INFINITY,
    override?.max_per_week ?? Number.POSITIVE_INFINITY,
  );
  const quietHours = [defaults.quietHours, overrideQuietHours(override)].filter(
    (w): w is QuietHours => w !== null,
  );
  return {
    doNotContact: override?.do_not_contact === 1,
    channels,
    purposes,
    maxPerWeek,
    quietHours,
    timeZone: defaults.timeZone,
  };
}

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

    await appendAccessLog(trx, {
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
    });
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

/** The owner's contact defaults, opened from their profile (inside the caller's transaction, if any). */
export async function readOwnerDefaults(
  deps: Pick<ContactDeps, 'keys'>,
  trx: Executor,
  owner: OwnerRow,
): Promise<OwnerContactDefaults> {
  const dataKey = ownerDataKey(deps.keys, owner);
  const values: Record<string, unknown> = {};
  for (const row of await findProfileFields(trx, owner.id)) {
    if (!DEFAULT_PATHS.has(row.path) || row.value_sealed === null) continue;
    values[row.path] = JSON.parse(openField(dataKey, owner.id, row.path, row.value_sealed));
  }
  return {
    channels: Array.isArray(values['contact.channels'])
      ? (values['contact.channels'] as ContactChannel[])
      : null,
    noMarketing: values['contact.no_marketing'] === true,
    maxPerWeek: typeof values['contact.max_per_week'] === 'number' ? values['contact.max_per_week'] : null,
    quietHours: (values['contact.quiet_hours'] as QuietHours | undefined) ?? null,
    timeZone: usableTimeZone(values.zoneinfo as string | undefined),
  };
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

/** What the vendor asked for on this grant; a grant that asked nothing allows no contact. */
function askOf(grant: Pick<GrantRow, 'contact'>): ContactTerms {
  return grant.contact ? (JSON.parse(grant.contact) as ContactTerms) : NO_CONTACT_ASKED;
}

function overrideQuietHours(override: ContactTermsRow | undefined): QuietHours | null {
  return override?.quiet_start && override.quiet_end
    ? { start: override.quiet_start, end: override.quiet_end }
    : null;
}
