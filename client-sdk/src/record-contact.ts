import { type ContactDecision, type ContactOptions, presentContact } from './can-contact.ts';
import type { KithContext } from './context.ts';

/** The vault's answer to {@link recordContact}. */
export interface RecordedContact extends ContactDecision {
  /** True if the contact was counted: go ahead. False: do not contact them; `reason` says why. */
  recorded: boolean;
}

/**
 * Checks and counts a contact in one step, just before you make it: the vault
 * locks the person's budget while it decides, so two of your agents calling
 * at the same moment cannot both take the last slot. Contact the person only
 * if `recorded` is true. A retry after a lost answer may count one contact
 * twice, never once too few.
 *
 * @example
 * const contact = await kith.recordContact(customer.grant, { channel: 'phone', purpose: 'service' });
 * if (contact.recorded) await dial(customer.phone);
 * else console.log(`not now: ${contact.reason}, try after ${contact.nextAllowedAt}`);
 */
export async function recordContact(
  context: KithContext,
  grant: string,
  options: ContactOptions,
): Promise<RecordedContact> {
  const answer = await presentContact(context, grant, 'contact/record', options);
  return {
    allowed: answer.allowed,
    reason: answer.reason,
    nextAllowedAt: answer.next_allowed_at,
    remainingThisWeek: answer.remaining_this_week,
    recorded: answer.recorded ?? false,
  };
}
