import * as z from 'zod';
import { contactChannels, quietHoursSchema } from './fields/contact-terms.ts';

// Contact checks and budgets. The vendor side is snake_case like the rest of
// the vendor API; the owner side camelCase like the rest of the owner API.

/** Why a vendor contacts the owner: what they asked for, or to sell more. */
export const contactPurposes = ['service', 'marketing'] as const;
export type ContactPurpose = (typeof contactPurposes)[number];

/**
 * Every answer to "may I contact them now?", in the order the vault checks:
 * the first that applies is the one given.
 */
export const contactReasons = [
  'allowed',
  'do_not_contact',
  'channel_not_allowed',
  'purpose_not_allowed',
  'marketing_refused',
  'weekly_limit_reached',
  'quiet_hours',
] as const;
export type ContactReason = (typeof contactReasons)[number];

/**
 * `POST /v1/contact/check` and `POST /v1/contact/record` body: the contact
 * the vendor is about to make. No message, no recipient: the vault needs
 * neither and should not hold them.
 *
 * @example
 * contactInputSchema.parse({ channel: 'email', purpose: 'service' })
 */
export const contactInputSchema = z.strictObject({
  channel: z.enum(contactChannels),
  purpose: z.enum(contactPurposes),
});
export type ContactInput = z.input<typeof contactInputSchema>;

/**
 * The vault's answer to a check or a record.
 *
 * @example
 * contactDecisionSchema.parse({ allowed: false, reason: 'quiet_hours', next_allowed_at: '2026-03-30T06:00:00.000Z', remaining_this_week: 2 })
 */
export const contactDecisionSchema = z.object({
  allowed: z.boolean(),
  reason: z.enum(contactReasons),
  /** The earliest moment this contact could be allowed (RFC 3339); null when waiting will not help. */
  next_allowed_at: z.iso.datetime().nullable(),
  /** Contacts left in the rolling seven days, after this one if it was recorded. */
  remaining_this_week: z.int().min(0),
  /** `record` only: whether the contact was counted. */
  recorded: z.boolean().optional(),
});
export type ContactDecision = z.output<typeof contactDecisionSchema>;

/**
 * What the owner sets for one vendor, on top of the vendor's ask and the
 * owner's own defaults; each may only tighten. `null` leaves that term to the
 * grant and the defaults. `doNotContact` refuses everything, at once.
 *
 * @example
 * contactTermsOverrideSchema.parse({ channels: ['email'], allowMarketing: false, maxPerWeek: 1, quietHours: null, doNotContact: false })
 */
export const contactTermsOverrideSchema = z.strictObject({
  channels: z
    .array(z.enum(contactChannels))
    .max(contactChannels.length)
    .refine((channels) => new Set(channels).size === channels.length, {
      message: 'Each channel may appear only once.',
    })
    .nullable()
    .default(null),
  allowMarketing: z.boolean().nullable().default(null),
  maxPerWeek: z.int().min(0).max(100).nullable().default(null),
  quietHours: quietHoursSchema.nullable().default(null),
  doNotContact: z.boolean().default(false),
});
export type ContactTermsOverride = z.output<typeof contactTermsOverrideSchema>;

/** The terms in force, after the vendor's ask, the owner's defaults and the owner's override. */
export const effectiveContactTermsSchema = z.object({
  doNotContact: z.boolean(),
  channels: z.array(z.enum(contactChannels)),
  purposes: z.array(z.enum(contactPurposes)),
  maxPerWeek: z.int().min(0),
  /** Every window that applies (the owner's default and this vendor's), in `timeZone`. */
  quietHours: z.array(quietHoursSchema),
  timeZone: z.string(),
});
export type EffectiveContactTerms = z.output<typeof effectiveContactTermsSchema>;

/** `GET`/`PUT /v1/me/vendors/{key}/contact-terms` answer. */
export const vendorContactTermsSchema = z.object({
  clientId: z.string(),
  /** What the vendor asked for, across its live grants. */
  asked: z.object({
    channels: z.array(z.enum(contactChannels)),
    purposes: z.array(z.enum(contactPurposes)),
    maxPerWeek: z.int().min(0),
  }),
  override: contactTermsOverrideSchema,
  /** The most any live grant of this vendor allows. */
  effective: effectiveContactTermsSchema,
  updatedAt: z.iso.datetime().nullable(),
});
export type VendorContactTermsView = z.output<typeof vendorContactTermsSchema>;

/** One check or contact, as the owner sees it. */
export const contactEventSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  grantId: z.string(),
  /** `check`: the vendor asked; `contact`: it asked to record a contact. */
  kind: z.enum(['check', 'contact']),
  channel: z.enum(contactChannels),
  purpose: z.enum(contactPurposes),
  allowed: z.boolean(),
  reason: z.enum(contactReasons),
  at: z.iso.datetime(),
});
export type ContactEventView = z.output<typeof contactEventSchema>;
