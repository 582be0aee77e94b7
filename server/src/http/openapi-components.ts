import type { z } from '@hono/zod-openapi';
import {
  accessLogEntrySchema,
  accessLogVerificationSchema,
  agreementListingSchema,
  agreementRefSchema,
  approveGrantInputSchema,
  collectGrantInputSchema,
  conductNarrowedSchema,
  conductRecordSchema,
  contactDecisionSchema,
  contactEventSchema,
  contactInputSchema,
  contactRefusalCountsSchema,
  contactTermsOverrideSchema,
  contactTermsSchema,
  discoverySchema,
  effectiveContactTermsSchema,
  endRelationshipInputSchema,
  erasureAcknowledgedSchema,
  erasureAcknowledgeInputSchema,
  erasureViewSchema,
  exportDocumentSchema,
  grantCollectedSchema,
  grantDecisionSchema,
  grantFieldSchema,
  grantRequestCreatedSchema,
  grantRequestInputSchema,
  grantsSharedSchema,
  ownerGrantSchema,
  ownerTermsSchema,
  pendingGrantRequestSchema,
  problemErrorSchema,
  problemSchema,
  profilePatchSchema,
  profileViewSchema,
  purposeSchema,
  redeemedDataSchema,
  relationshipEndedSchema,
  setTermsInputSchema,
  shareGrantsInputSchema,
  vendorContactTermsSchema,
  type WebhookEventType,
  webhookEventSchema,
  webhookEventTypes,
} from '@kith/schemas';
import { SESSION_COOKIE } from '../http/session-cookie.ts';

/**
 * The security schemes operations name in their `security`, each with a
 * description that says exactly what to send.
 */
export const securitySchemes = {
  ownerSession: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      'The session cookie set when the owner signs in with a passkey. A request that changes anything must also ' +
      'show it comes from the vault itself: `Origin` equal to the vault’s public origin, or `Sec-Fetch-Site: ' +
      'same-origin` (browsers set both), or the page’s CSRF token in `x-csrf-token`; otherwise `CSRF_FAILED`.',
  },
  // `DPoP` is a registered HTTP authentication scheme (RFC 9449 §7.1, §11.5), so `http` fits.
  dpop: {
    type: 'http',
    scheme: 'DPoP',
    description:
      'The grant token as `Authorization: DPoP <grant>` (RFC 9449 §7.1), with a `DPoP` header: a proof signed ' +
      'with the key the grant is bound to, made for this method and URL, carrying `ath`, the hash of the grant.',
  },
  // RFC 7523 §2.2 client authentication travels in the request body, where OpenAPI has no
  // `apiKey` location; `oauth2` with no flows names the OAuth client authentication without
  // pretending to a header or a token endpoint.
  privateKeyJwt: {
    type: 'oauth2',
    flows: {},
    description:
      'OAuth `private_key_jwt` client authentication (RFC 7523 §2.2): the body carries ' +
      '`client_assertion_type: urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and `client_assertion`, ' +
      'a JWT signed with a key from your metadata document, `iss` and `sub` your client id, `aud` the ' +
      "endpoint's URL, a fresh `jti` and a short `exp`.",
  },
} as const;

/**
 * The webhook body of one event type: the member of `webhookEventSchema`
 * whose `type` is that event's.
 */
export function webhookEnvelopeSchema(type: WebhookEventType) {
  const envelope = webhookEventSchema.options.find((option) => option.shape.type.value === type);
  if (!envelope) throw new Error(`webhookEventSchema has no member for ${type}`);
  return envelope;
}

/**
 * An event type as a type name.
 *
 * @example
 * eventTypeName('contact.terms_changed') // 'ContactTermsChanged'
 */
export function eventTypeName(type: WebhookEventType): string {
  return type
    .split(/[._]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * Names for the wire shapes of `@kith/schemas`, under which the OpenAPI
 * document lists them once in `components.schemas` and refers to them
 * (generated clients name their types after these), in this order. A shape
 * left out here stays inline where it is used.
 */
export const componentSchemas: Record<string, z.ZodType> = {
  Problem: problemSchema,
  ProblemError: problemErrorSchema,
  FieldPath: grantFieldSchema,
  Purpose: purposeSchema,
  ContactTerms: contactTermsSchema,
  ProfileView: profileViewSchema,
  ProfilePatch: profilePatchSchema,
  ExportDocument: exportDocumentSchema,
  Discovery: discoverySchema,
  GrantRequestInput: grantRequestInputSchema,
  GrantRequestCreated: grantRequestCreatedSchema,
  CollectGrantInput: collectGrantInputSchema,
  GrantCollected: grantCollectedSchema,
  RedeemedData: redeemedDataSchema,
  PendingGrantRequest: pendingGrantRequestSchema,
  ApproveGrantInput: approveGrantInputSchema,
  GrantDecision: grantDecisionSchema,
  OwnerGrant: ownerGrantSchema,
  AccessLogEntry: accessLogEntrySchema,
  AccessLogVerification: accessLogVerificationSchema,
  ContactInput: contactInputSchema,
  ContactDecision: contactDecisionSchema,
  ContactTermsOverride: contactTermsOverrideSchema,
  EffectiveContactTerms: effectiveContactTermsSchema,
  VendorContactTerms: vendorContactTermsSchema,
  ContactEvent: contactEventSchema,
  ContactRefusalCounts: contactRefusalCountsSchema,
  ConductRecord: conductRecordSchema,
  ConductNarrowed: conductNarrowedSchema,
  ErasureAcknowledgeInput: erasureAcknowledgeInputSchema,
  ErasureAcknowledged: erasureAcknowledgedSchema,
  EndRelationshipInput: endRelationshipInputSchema,
  RelationshipEndedResult: relationshipEndedSchema,
  ErasureView: erasureViewSchema,
  ShareGrantsInput: shareGrantsInputSchema,
  GrantsShared: grantsSharedSchema,
  AgreementRef: agreementRefSchema,
  AgreementListing: agreementListingSchema,
  OwnerTerms: ownerTermsSchema,
  SetTermsInput: setTermsInputSchema,
  // Each event's body and its `data`, e.g. `ProfileUpdatedEvent` and `ProfileUpdatedData`.
  ...Object.fromEntries(
    webhookEventTypes.flatMap((type) => {
      const envelope = webhookEnvelopeSchema(type);
      return [
        [`${eventTypeName(type)}Event`, envelope],
        [`${eventTypeName(type)}Data`, envelope.shape.data],
      ];
    }),
  ),
};
