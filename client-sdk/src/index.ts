// @kith/client: the vendor SDK for Kith vaults. WebCrypto and fetch only: no
// `node:` imports, so it runs on Node 20+, Deno, Bun and edge runtimes.

/** A verified event as `verifyWebhook` answers it, discriminated by `type`. */
export type { WebhookEvent, WebhookEventType } from '@kith/schemas';
export type { AcknowledgeErasureOptions, ErasureAcknowledgement } from './acknowledge-erasure.ts';
export type { ContactDecision, ContactOptions } from './can-contact.ts';
export { type CreateClientAssertionOptions, createClientAssertion } from './client-assertion.ts';
export { type Clock, systemClock } from './clock.ts';
export type { CollectedGrant, CollectGrantOptions } from './collect-grant.ts';
export { createKithClient, type KithClient, type KithClientOptions } from './create-kith-client.ts';
export { accessTokenHash, type CreateDpopProofOptions, createDpopProof, dpopHtu } from './dpop.ts';
export { type Duration, parseDuration } from './duration.ts';
export {
  type ClientErrorCode,
  clientErrorCodes,
  isKithClientError,
  KithClientError,
  type KithClientErrorOptions,
  type KithErrorCode,
} from './errors.ts';
export { type GrantTokenInfo, readGrantToken } from './grant-token.ts';
export type { RetryOptions } from './http.ts';
export { type GenerateKeyPairOptions, generateKeyPair, type KeyPair } from './key-pair.ts';
export { buildMetadataDocument, type MetadataDocumentOptions } from './metadata-document.ts';
export type { RecordedContact } from './record-contact.ts';
export type { NotModified, RedeemedData, RedeemedFields, RedeemOptions } from './redeem.ts';
export type { RelinquishOptions } from './relinquish.ts';
export type { ContactTermsRequest, GrantRequest, RequestGrantOptions } from './request-grant.ts';
export { loadSigningKey, type SigningAlgorithm, type SigningKey, toPublicJwk } from './signing-key.ts';
export { type VerifyWebhookOptions, verifyWebhook, type WebhookRequestLike } from './verify-webhook.ts';
export type { WaitForGrantOptions } from './wait-for-grant.ts';
