import * as z from 'zod';
import { clientAuthenticationSchema, grantFieldSchema, MAX_GRANT_SECONDS } from './grants.ts';
import { purposeSchema } from './purposes.ts';

// Ending a relationship (every grant revoked, erasure asked and tracked) and
// the owner sharing fields a vendor did not ask for.

/** The erasure deadline when the owner picks none, in days. */
export const DEFAULT_ERASURE_DAYS = 30;
/** The longest erasure deadline an owner may give, in days. */
export const MAX_ERASURE_DAYS = 90;

/** `POST /v1/erasure/acknowledge` body: the vendor says it erased, authenticated as itself (RFC 7523). */
export const erasureAcknowledgeInputSchema = clientAuthenticationSchema.extend({
  /** From the `erasure.requested` event. */
  erasure_id: z.string().min(1).max(100),
});
export type ErasureAcknowledgeInput = z.input<typeof erasureAcknowledgeInputSchema>;

/** `POST /v1/erasure/acknowledge` answer. Acknowledging again answers the first acknowledgement. */
export const erasureAcknowledgedSchema = z.object({
  erasure_id: z.string(),
  deadline: z.iso.datetime(),
  acknowledged_at: z.iso.datetime(),
  /** True when the acknowledgement came after the deadline. */
  late: z.boolean(),
});
export type ErasureAcknowledged = z.output<typeof erasureAcknowledgedSchema>;

/** `POST /v1/me/relationships/end` body (owner API). */
export const endRelationshipInputSchema = z.strictObject({
  clientId: z.string().min(1).max(2000),
  /**
   * Days the vendor has to erase and acknowledge. By default, the retention days of the
   * agreement the vendor's grants were given under (the shortest), else the vault's default.
   */
  erasureDays: z.int().min(1).max(MAX_ERASURE_DAYS).optional(),
});
export type EndRelationshipInput = z.input<typeof endRelationshipInputSchema>;

/** Where an erasure stands, as the owner sees it. */
export const erasureViewSchema = z.object({
  id: z.string(),
  clientId: z.string(),
  requestedAt: z.iso.datetime(),
  deadline: z.iso.datetime(),
  acknowledgedAt: z.iso.datetime().nullable(),
  /** `pending` until the deadline, `overdue` after it, `confirmed` once the vendor acknowledged. */
  status: z.enum(['pending', 'confirmed', 'overdue']),
  /** Whole days past the deadline while overdue; 0 otherwise. */
  overdueDays: z.int(),
});
export type ErasureView = z.output<typeof erasureViewSchema>;

/** `POST /v1/me/relationships/end` answer. */
export const relationshipEndedSchema = z.object({
  revokedGrantIds: z.array(z.string()),
  erasure: erasureViewSchema,
});

/** `POST /v1/me/grants/share` body: share fields with vendors the owner has a live relationship with. */
export const shareGrantsInputSchema = z.strictObject({
  clientIds: z.array(z.string().min(1).max(2000)).min(1).max(50),
  fields: z.array(grantFieldSchema).min(1),
  purpose: purposeSchema,
  durationSeconds: z.int().min(60).max(MAX_GRANT_SECONDS),
});
export type ShareGrantsInput = z.input<typeof shareGrantsInputSchema>;

/** `POST /v1/me/grants/share` answer: one grant per vendor, each announced by a `grant.created` event. */
export const grantsSharedSchema = z.object({
  grants: z.array(z.object({ id: z.string(), clientId: z.string() })),
});
