import * as z from 'zod';
import { contactReasons } from './contact.ts';
import { grantFieldSchema } from './grants.ts';
import { agreementRefSchema } from './terms.ts';

// A vendor's conduct record: what the vault already recorded about one vendor,
// counted for the owner. Owner API, so camelCase. No new tracking: every
// number comes from grants, grant requests, the access log, contact checks,
// erasure requests and webhook deliveries.

/** How far back "fields read" and "reads per week" look. */
export const CONDUCT_WINDOW_DAYS = 90;

/** The reasons a contact can be refused: every contact reason but `allowed`. */
export const contactRefusalReasons = contactReasons.filter(
  (r): r is Exclude<(typeof contactReasons)[number], 'allowed'> => r !== 'allowed',
);

const count = z.int().min(0);
/** Refusals counted by reason. */
export const contactRefusalCountsSchema = z.strictObject(
  Object.fromEntries(contactRefusalReasons.map((r) => [r, count])) as Record<
    (typeof contactRefusalReasons)[number],
    typeof count
  >,
);

/**
 * One vendor's conduct, as `GET /v1/me/vendors/{key}/conduct` answers it and
 * the export carries it (one per vendor).
 *
 * @example
 * const record = conductRecordSchema.parse(await res.json());
 * record.fields.unread // ['phone_number']: granted, never read in 90 days
 */
export const conductRecordSchema = z.strictObject({
  clientId: z.string(),
  /** When the window of `fields` and `readsPerWeek` starts and ends (RFC 3339). */
  window: z.strictObject({ days: z.int(), from: z.iso.datetime(), to: z.iso.datetime() }),
  /** Requests the owner approved or declined; grants they shared unasked; grants they revoked. */
  grants: z.strictObject({
    approved: count,
    declined: count,
    shared: count,
    revokedByOwner: count,
    relinquishedByVendor: count,
    live: count,
  }),
  /** Grants given under the owner's terms, with the vendor's signed acceptance; and which agreements. */
  terms: z.strictObject({ accepted: count, agreements: z.array(agreementRefSchema) }),
  /** Fields of the live grants; of those, the ones read in the window, and the ones never read in it. */
  fields: z.strictObject({
    granted: z.array(grantFieldSchema),
    read: z.array(grantFieldSchema),
    unread: z.array(grantFieldSchema),
  }),
  /** Reads (with or without a change) in the window, and per week, oldest week first. */
  reads: z.strictObject({
    total: count,
    perWeek: z.array(z.strictObject({ weekStart: z.iso.datetime(), reads: count })),
  }),
  /** `canContact` checks, allowed and refused (by reason). */
  contactChecks: z.strictObject({ allowed: count, refused: count, refusedBy: contactRefusalCountsSchema }),
  /** Contacts recorded within the terms, and contacts the vendor tried to record outside them (refused). */
  contacts: z.strictObject({ recorded: count, outsideTerms: count, refusedBy: contactRefusalCountsSchema }),
  /** Erasures asked when a relationship ended: acknowledged by the deadline, after it, not yet (due or overdue). */
  erasures: z.strictObject({ onTime: count, late: count, overdue: count, pending: count }),
  /** Webhook deliveries to the vendor by outcome. */
  webhooks: z.strictObject({ delivered: count, pending: count, failed: count }),
});
export type ConductRecord = z.output<typeof conductRecordSchema>;

/** `POST /v1/me/vendors/{key}/conduct/narrow` answer: what each live grant became. */
export const conductNarrowedSchema = z.strictObject({
  /** Grants narrowed to the fields read: their new version and fields. */
  narrowed: z.array(
    z.strictObject({ grantId: z.string(), version: z.int(), fields: z.array(grantFieldSchema) }),
  ),
  /** Grants none of whose fields were read: revoked. */
  revoked: z.array(z.string()),
  /** The fields no longer shared. */
  removed: z.array(grantFieldSchema),
});
export type ConductNarrowed = z.output<typeof conductNarrowedSchema>;
