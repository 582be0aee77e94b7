import type {
  ContactChannel,
  ContactPurpose,
  ContactReason,
  ContactTerms,
  EffectiveContactTerms,
} from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import {
  findContactsSince,
  findContactTerms,
  insertContactEvent,
} from '../contact-rules/contact.repository.ts';
import { effectiveTerms, readOwnerDefaults } from '../contact-rules/owner-contact-rules.ts';
import { nextOutsideQuietHours } from '../contact-rules/quiet-hours.ts';
import { lockGrant } from '../grants/grant.repository.ts';
import type { GrantRow } from '../grants/grant.table.ts';
import { grantContactOf } from '../grants/grant.table.ts';
import {
  authenticateGrant,
  type GrantPresentation,
  type PresentationDeps,
} from '../grants/grant-presentation.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { KithError } from '../http/kith-error.ts';
import { newId } from '../ids.ts';
import { lockOwner } from '../owners/lock-owner.ts';

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

/** The budget is a rolling seven days, not a calendar week. */
export const CONTACT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

// What a grant allows when the vendor asked for no contact at all: none.
export const NO_CONTACT_ASKED: ContactTerms = { channels: [], purposes: ['service'], max_per_week: 0 };

/**
 * May the vendor make this contact now? Presented like a redeem. The check is
 * recorded (in `contact_events` and the owner's access log) whatever the
 * answer; nothing is counted against the budget.
 */
export async function checkContact(
  deps: PresentationDeps,
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
  deps: PresentationDeps,
  presented: GrantPresentation,
  request: ContactRequest,
): Promise<ContactAnswer> {
  return decideAndLog(deps, presented, request, 'contact');
}

async function decideAndLog(
  deps: PresentationDeps,
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
    await appendAccessLog(
      trx,
      {
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
      },
      owner,
    );
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

/** What the vendor asked for on this grant; a grant that asked nothing allows no contact. */
export function askOf(grant: Pick<GrantRow, 'contact'>): ContactTerms {
  return grantContactOf(grant) ?? NO_CONTACT_ASKED;
}
