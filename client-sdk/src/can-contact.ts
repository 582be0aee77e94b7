import {
  type ContactChannel,
  type ContactDecision as ContactDecisionWire,
  type ContactPurpose,
  type ContactReason,
  contactDecisionSchema,
} from '@kith/schemas';
import type { KithContext } from './context.ts';
import { createDpopProof } from './dpop.ts';
import { readGrantToken } from './grant-token.ts';
import { readJson, send } from './http.ts';

/** The contact you are about to make: options of {@link canContact} and `recordContact`. */
export interface ContactOptions {
  channel: ContactChannel;
  /** `service`: about what the person asked for; `marketing`: to sell them more. */
  purpose: ContactPurpose;
  signal?: AbortSignal;
}

/** The vault's answer: may you contact the person now, and if not, why and from when. */
export interface ContactDecision {
  allowed: boolean;
  /** `allowed`, or the first refusal that applies: `do_not_contact`, `channel_not_allowed`, `quiet_hours`… */
  reason: ContactReason;
  /** When to ask again (RFC 3339); null when waiting will not help (do not contact, a refused channel). */
  nextAllowedAt: string | null;
  /** Contacts left in the rolling seven days. */
  remainingThisWeek: number;
}

/**
 * Asks the person's vault whether you may contact them now, on this channel,
 * for this purpose: the owner's terms (channels, no marketing, a weekly
 * budget, quiet hours in their own time zone, "do not contact") are enforced
 * by the vault, not by your good will. Nothing is counted; use
 * `recordContact` when you actually contact them. The check is in the
 * owner's log. Throws `GRANT_REVOKED` once the grant is revoked.
 *
 * @example
 * const decision = await kith.canContact(customer.grant, { channel: 'email', purpose: 'marketing' });
 * if (!decision.allowed) scheduleLater(customer, decision.nextAllowedAt);
 */
export async function canContact(
  context: KithContext,
  grant: string,
  options: ContactOptions,
): Promise<ContactDecision> {
  const answer = await presentContact(context, grant, 'contact/check', options);
  return {
    allowed: answer.allowed,
    reason: answer.reason,
    nextAllowedAt: answer.next_allowed_at,
    remainingThisWeek: answer.remaining_this_week,
  };
}

/**
 * Sends a contact to one of the vault's contact endpoints with the grant and
 * a DPoP proof, as `redeem` does. `endpoint` is relative to the data
 * endpoint's folder (`contact/check` next to `/v1/data`), so a vault served
 * under a path prefix works too.
 *
 * @example
 * const answer = await presentContact(context, grant, 'contact/record', { channel: 'sms', purpose: 'service' });
 */
export async function presentContact(
  context: KithContext,
  grant: string,
  endpoint: 'contact/check' | 'contact/record',
  options: ContactOptions,
): Promise<ContactDecisionWire> {
  const { iss } = readGrantToken(grant);
  // The grant goes to the vault that issued it and nowhere else.
  const discovery = await context.discover(iss, options.signal);
  const url = new URL(endpoint, discovery.data_endpoint).toString();
  const key = await context.signingKey();
  const response = await send(
    context.transport,
    async () => ({
      url,
      init: {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          // RFC 9449 §7.1: the DPoP scheme, with a fresh proof bound to this token and URL.
          authorization: `DPoP ${grant}`,
          dpop: await createDpopProof({
            key,
            htm: 'POST',
            htu: url,
            accessToken: grant,
            now: context.transport.clock.now(),
          }),
        },
        body: JSON.stringify({ channel: options.channel, purpose: options.purpose }),
      },
    }),
    options.signal,
  );
  return readJson(response, contactDecisionSchema);
}
