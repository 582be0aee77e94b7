import * as z from 'zod';
import { contactTermsSchema, grantFieldSchema } from './grants.ts';
import { purposeSchema } from './purposes.ts';
import { agreementRefSchema } from './terms.ts';

// Events a vault sends a vendor by webhook (Standard Webhooks). Types are
// `entity.past_tense`. A payload never carries personal values: field names,
// versions, grant ids, deadlines and the pairwise subject the vendor already
// knows; the vendor re-redeems to read, and that read is logged.

/** Every event type a vault sends. */
export const webhookEventTypes = [
  'profile.updated',
  'grant.created',
  'grant.revoked',
  'grant.narrowed',
  'relationship.ended',
  'erasure.requested',
  'contact.terms_changed',
  'terms.changed',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** `profile.updated`: fields this vendor holds changed; re-redeem its live grants to read them. */
export const profileUpdatedDataSchema = z.object({
  /** The pairwise subject the vendor knows the owner by. */
  sub: z.string(),
  /** The vendor's live grants that hold at least one of the changed fields. */
  grant_ids: z.array(z.string()).min(1),
  /** The changed fields, only those the vendor holds. */
  fields: z.array(grantFieldSchema).min(1),
  /** The owner's profile version after the change (compare with `version` from redeem). */
  version: z.int(),
});

/** `grant.created`: the owner shared fields the vendor did not ask for; redeem the grant. */
export const grantCreatedDataSchema = z.object({
  sub: z.string(),
  grant_id: z.string(),
  fields: z.array(grantFieldSchema),
  purpose: purposeSchema,
  expires_at: z.iso.datetime(),
});

/** `grant.revoked`: the grant is void; forget what it gave you unless another grant covers it. */
export const grantRevokedDataSchema = z.object({
  sub: z.string(),
  grant_id: z.string(),
  /** Who ended it: the owner, or the vendor itself (relinquish). */
  revoked_by: z.enum(['owner', 'vendor']),
});

/**
 * `grant.narrowed`: the owner stopped sharing fields you never read. The grant
 * keeps its id and token; from this `version` on, redeem answers only `fields`.
 * Forget the `removed` ones unless another grant covers them.
 */
export const grantNarrowedDataSchema = z.object({
  sub: z.string(),
  grant_id: z.string(),
  /** The grant's version: 1 when issued, one more on each narrowing (the consent receipt says the same). */
  version: z.int().min(2),
  /** What the grant gives from now on. */
  fields: z.array(grantFieldSchema).min(1),
  /** What it no longer gives. */
  removed: z.array(grantFieldSchema).min(1),
});

/** `relationship.ended`: the owner ended every grant to this vendor at once. */
export const relationshipEndedDataSchema = z.object({
  sub: z.string(),
  grant_ids: z.array(z.string()),
});

/** `erasure.requested`: erase what you hold about this subject by the deadline, then acknowledge. */
export const erasureRequestedDataSchema = z.object({
  sub: z.string(),
  erasure_id: z.string(),
  deadline: z.iso.datetime(),
});

/** `contact.terms_changed`: the owner changed how this vendor may contact them. */
export const contactTermsChangedDataSchema = z.object({
  sub: z.string(),
  grant_ids: z.array(z.string()),
  contact: contactTermsSchema.optional(),
  /** True when the owner asked not to be contacted at all: stop every contact, now. */
  do_not_contact: z.boolean().optional(),
});

/**
 * `terms.changed`: the owner now proffers another agreement to this vendor.
 * Grants already given keep the terms they were given under; a new request
 * is judged by the new one.
 */
export const termsChangedDataSchema = z.object({
  sub: z.string(),
  grant_ids: z.array(z.string()),
  /** The agreement the owner now proffers to you, or null when they proffer none. */
  terms: agreementRefSchema.nullable(),
});

const envelope = <T extends WebhookEventType, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    type: z.literal(type),
    /** The event id, equal to the `webhook-id` header: stable across retries; use it to drop duplicates. */
    id: z.string().min(1),
    /** The vault that sent it (its issuer URL, as in grant tokens): one endpoint may serve many vaults. */
    iss: z.string().min(1),
    /**
     * This vault's counter of events for you (your client id): 1, 2, 3… in the order the changes
     * committed. Deliveries run in parallel and are retried, so events may arrive out of order: when
     * order matters (e.g. `grant.revoked`, `relationship.ended`, `erasure.requested`), keep the highest
     * `sequence` you handled per `iss` and `sub`, and sort by it.
     */
    sequence: z.int().positive(),
    /** When the event happened (RFC 3339), not when this attempt was sent. */
    timestamp: z.iso.datetime(),
    data,
  });

/**
 * A webhook body as a vault sends it: `{ type, id, iss, sequence, timestamp, data }`,
 * discriminated by `type`.
 *
 * @example
 * const event = webhookEventSchema.parse(JSON.parse(body));
 * if (event.type === 'profile.updated') console.log(event.data.fields);
 */
export const webhookEventSchema = z.discriminatedUnion('type', [
  envelope('profile.updated', profileUpdatedDataSchema),
  envelope('grant.created', grantCreatedDataSchema),
  envelope('grant.revoked', grantRevokedDataSchema),
  envelope('grant.narrowed', grantNarrowedDataSchema),
  envelope('relationship.ended', relationshipEndedDataSchema),
  envelope('erasure.requested', erasureRequestedDataSchema),
  envelope('contact.terms_changed', contactTermsChangedDataSchema),
  envelope('terms.changed', termsChangedDataSchema),
]);
export type WebhookEvent = z.output<typeof webhookEventSchema>;

/** The payload (`data`) of each event type. */
export type WebhookEventData = { [E in WebhookEvent as E['type']]: E['data'] };

/** The header naming the vault key (`kid` in its JWKS) that made the `v1a` signature. */
export const WEBHOOK_KEY_ID_HEADER = 'webhook-key-id';
/** The header numbering the delivery attempt (1, 2, …) of one `webhook-id`. */
export const WEBHOOK_ATTEMPT_HEADER = 'webhook-attempt';
