import * as z from 'zod';
import { contactTermsSchema, grantFieldSchema } from './grants.ts';
import { purposeSchema } from './purposes.ts';
import { agreementRefSchema } from './terms.ts';

// The owner's side of grants, camelCase like the rest of the owner API.

/** A vendor's pending request as the owner sees it before answering. */
export const pendingGrantRequestSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  vendorName: z.string(),
  userCode: z.string(),
  fields: z.array(grantFieldSchema),
  optionalFields: z.array(grantFieldSchema),
  purpose: purposeSchema,
  durationSeconds: z.int(),
  contact: contactTermsSchema.nullable(),
  expiresAt: z.iso.datetime(),
  /** The agreement the owner proffers to this vendor, and those the vendor accepted in its signed request. */
  terms: z.object({ proffered: agreementRefSchema.nullable(), accepted: z.array(agreementRefSchema) }),
});
export type PendingGrantRequestView = z.output<typeof pendingGrantRequestSchema>;

/**
 * The owner's answer: which optional fields to share, whether the vendor may
 * contact them (as it asked, within the owner's own limits) and, if shorter,
 * for how long. `optionalFields` and `contact` are required, even when empty
 * or false: an approval must say what it approves, so an empty or missing
 * body is never consent.
 */
export const approveGrantInputSchema = z.strictObject({
  optionalFields: z.array(grantFieldSchema),
  contact: z.boolean(),
  durationSeconds: z.int().min(60).optional(),
  /**
   * Approve under this agreement (by id) instead of the one the owner proffers to
   * the vendor; it must be among those the vendor accepted.
   */
  agreement: z.string().min(1).max(100).optional(),
});
export type ApproveGrantInput = z.input<typeof approveGrantInputSchema>;

/** Where the owner's browser goes next, if the vendor gave a redirect. */
export const grantDecisionSchema = z.object({
  grantId: z.string().optional(),
  redirectTo: z.url().nullable(),
});

/** One of the owner's grants. */
export const ownerGrantSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  fields: z.array(grantFieldSchema),
  purpose: purposeSchema,
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  collectedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
  revokedBy: z.enum(['owner', 'vendor']).nullable(),
  live: z.boolean(),
  reads: z.int(),
  lastReadAt: z.iso.datetime().nullable(),
});
export type OwnerGrantView = z.output<typeof ownerGrantSchema>;

/** One entry of the owner's hash-chained access log. */
export const accessLogEntrySchema = z.object({
  seq: z.int(),
  at: z.iso.datetime(),
  action: z.string(),
  clientId: z.string().nullable(),
  grantId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

/** The outcome of walking an owner's access-log chain. */
export const accessLogVerificationSchema = z.union([
  z.object({ ok: z.literal(true), entries: z.int(), head: z.string() }),
  z.object({ ok: z.literal(false), entries: z.int(), brokenAt: z.int(), reason: z.string() }),
  // A long stretch of new entries is being verified in the background; `verified` entries are done.
  z.object({ ok: z.null(), checking: z.literal(true), entries: z.int(), verified: z.int() }),
]);
