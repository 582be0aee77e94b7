import * as z from 'zod';
import { contactChannels } from './fields/contact-terms.ts';
import { profileFields } from './profile-fields.ts';
import { purposeSchema } from './purposes.ts';
import { agreementListingSchema, agreementRefSchema } from './terms.ts';

// Wire names are snake_case, as in OAuth: vendors' existing libraries and
// habits carry over (client_id, redirect_uri, expires_in, user_code…).

const fieldPaths = profileFields.map((f) => f.path) as [string, ...string[]];

/** A field path from the catalogue. */
export const grantFieldSchema = z.enum(fieldPaths);

/** The media type of a grant token's JOSE header `typ` (RFC 8725 §3.11). */
export const GRANT_TOKEN_TYPE = 'kith-grant+jwt';
/** The media type of a consent receipt's JOSE header `typ`. */
export const RECEIPT_TYPE = 'kith-receipt+jwt';
/** RFC 7523 §2.2: the client assertion type for `private_key_jwt`. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The longest grant a vendor may ask for: two years. */
export const MAX_GRANT_SECONDS = 2 * 366 * 24 * 3600;

// Only web URLs: a `javascript:` or `data:` redirect or logo would run or
// render in the owner's browser. (Which hosts are allowed is the server's call.)
const webUrl = z.url({ protocol: /^https?$/ });

/**
 * A vendor's metadata document, served at its client id (an HTTPS URL), in
 * the shape of an OAuth Client ID Metadata Document plus `webhook_uri`.
 */
export const vendorMetadataSchema = z.object({
  client_id: webUrl,
  client_name: z.string().trim().min(1).max(100),
  logo_uri: webUrl.optional(),
  client_uri: webUrl.optional(),
  policy_uri: webUrl.optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(10) }),
  webhook_uri: webUrl.optional(),
  redirect_uris: z.array(webUrl).max(20).default([]),
});
export type VendorMetadata = z.output<typeof vendorMetadataSchema>;

/** The contact terms a vendor asks for; the owner may tighten them. */
export const contactTermsSchema = z.strictObject({
  channels: z.array(z.enum(contactChannels)).max(contactChannels.length).default([]),
  purposes: z
    .array(z.enum(['service', 'marketing']))
    .max(2)
    .default(['service']),
  max_per_week: z.int().min(0).max(100).default(1),
});
export type ContactTerms = z.output<typeof contactTermsSchema>;

/** Vendor authentication where no grant exists yet: `private_key_jwt` (RFC 7523 §2.2). */
export const clientAuthenticationSchema = z.object({
  client_assertion_type: z.literal(CLIENT_ASSERTION_TYPE),
  client_assertion: z.string().min(1).max(8192),
});

/** `POST /v1/grant-requests` body. */
export const grantRequestInputSchema = clientAuthenticationSchema.extend({
  fields: z.array(grantFieldSchema).min(1).max(fieldPaths.length),
  optional_fields: z.array(grantFieldSchema).max(fieldPaths.length).default([]),
  purpose: purposeSchema,
  /** How long the grant should last, in seconds; the owner may shorten it. */
  duration: z.int().min(60).max(MAX_GRANT_SECONDS),
  contact: contactTermsSchema.optional(),
  redirect_uri: z.url().optional(),
  state: z.string().max(500).optional(),
});
export type GrantRequestInput = z.input<typeof grantRequestInputSchema>;

/** `POST /v1/grant-requests` answer (201). */
export const grantRequestCreatedSchema = z.object({
  id: z.string(),
  approve_url: z.url(),
  /** Short, for reading aloud: `KITH-7Q2F`. */
  user_code: z.string(),
  expires_at: z.iso.datetime(),
  /** Seconds to wait between polls (RFC 8628 §3.2). */
  interval: z.int(),
});
export type GrantRequestCreated = z.output<typeof grantRequestCreatedSchema>;

/**
 * `POST /v1/grants/collect` body: the vendor collects the grant, either with
 * the one-time `code` from the redirect, by polling with the request id, or
 * with the `grant_id` of a `grant.created` event (a grant the owner shared
 * unasked). The request carries a DPoP proof; the grant is bound to its key.
 */
export const collectGrantInputSchema = clientAuthenticationSchema.extend({
  request_id: z.string().optional(),
  code: z.string().optional(),
  grant_id: z.string().max(100).optional(),
});
export type CollectGrantInput = z.input<typeof collectGrantInputSchema>;

/** `POST /v1/grants/collect` answer once the owner approved. */
export const grantCollectedSchema = z.object({
  grant: z.string(),
  grant_id: z.string(),
  sub: z.string(),
  fields: z.array(grantFieldSchema),
  purpose: purposeSchema,
  expires_at: z.iso.datetime(),
  /** A signed consent receipt (JWS, `typ: kith-receipt+jwt`). */
  receipt: z.string(),
  /** The `state` the vendor sent, echoed back. */
  state: z.string().optional(),
  /** The owner's agreement the grant was given under, as you accepted it; absent when the owner proffered none. */
  terms: agreementRefSchema.optional(),
  /**
   * The vendor's webhook secret (`whsec_…`, Standard Webhooks): the `v1`
   * HMAC signature of every event this vault sends is made with it. The same
   * for every grant of the vendor; keep it with your other secrets.
   */
  webhook_secret: z.string().startsWith('whsec_').optional(),
});
export type GrantCollected = z.output<typeof grantCollectedSchema>;

/** `GET /v1/data` answer: only the granted fields that are set. */
export const redeemedDataSchema = z.object({
  sub: z.string(),
  grant_id: z.string(),
  version: z.int(),
  fields: z.record(z.string(), z.unknown()),
});
export type RedeemedData = z.output<typeof redeemedDataSchema>;

/** The claims of a grant token (a JWT signed by the vault). */
export const grantClaimsSchema = z.object({
  iss: z.string(),
  sub: z.string(),
  aud: z.string(),
  client_id: z.string(),
  jti: z.string(),
  iat: z.int(),
  exp: z.int(),
  fields: z.array(z.string()),
  purpose: purposeSchema,
  contact: contactTermsSchema.optional(),
  terms: agreementRefSchema.optional(),
  cnf: z.object({ jkt: z.string() }),
});
export type GrantClaims = z.output<typeof grantClaimsSchema>;

/** `GET /.well-known/kith`: what a vendor needs to talk to this vault. */
export const discoverySchema = z.object({
  issuer: z.url(),
  jwks_uri: z.url(),
  grant_request_endpoint: z.url(),
  grant_collect_endpoint: z.url(),
  data_endpoint: z.url(),
  relinquish_endpoint: z.url(),
  approve_endpoint: z.url(),
  fields_supported: z.array(z.string()),
  purposes_supported: z.array(z.object({ id: z.string(), dpv: z.string(), label: z.string() })),
  grant_signing_alg_values_supported: z.array(z.string()),
  dpop_signing_alg_values_supported: z.array(z.string()),
  token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
  /** The standard agreements an owner of this vault may proffer; accept them by reference when asking. */
  terms_supported: z.array(agreementListingSchema).default([]),
});
export type Discovery = z.output<typeof discoverySchema>;
