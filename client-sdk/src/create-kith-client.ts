import type { Discovery, VendorMetadata } from '@kith/schemas';
import type { JWK } from 'jose';
import {
  type AcknowledgeErasureOptions,
  acknowledgeErasure,
  type ErasureAcknowledgement,
} from './acknowledge-erasure.ts';
import { type ContactDecision, type ContactOptions, canContact } from './can-contact.ts';
import { type Clock, systemClock } from './clock.ts';
import { type CollectedGrant, type CollectGrantOptions, collectGrant } from './collect-grant.ts';
import type { KithContext } from './context.ts';
import { type DiscoveryCache, discover } from './discover.ts';
import { clientError } from './errors.ts';
import { type RetryOptions, resolveRetryOptions, type Transport } from './http.ts';
import { buildMetadataDocument, type MetadataDocumentOptions } from './metadata-document.ts';
import { type RecordedContact, recordContact } from './record-contact.ts';
import { type NotModified, type RedeemedData, type RedeemOptions, redeem } from './redeem.ts';
import { type RelinquishOptions, relinquish } from './relinquish.ts';
import { type GrantRequest, type RequestGrantOptions, requestGrant } from './request-grant.ts';
import { assertPrivateJwk, loadSigningKey, type SigningKey } from './signing-key.ts';
import { vaultIssuer } from './vault-url.ts';
import { type WaitForGrantOptions, waitForGrant } from './wait-for-grant.ts';

/** Options of {@link createKithClient}. */
export interface KithClientOptions {
  /** Your client id: the https URL where you serve `metadataDocument()`. */
  clientId: string;
  /** Your private signing key (from `generateKeyPair`), Ed25519 or P-256. Keep it secret. */
  privateJwk: JWK;
  /** The vault to use when an operation names none (most vendors talk to many: pass `vault` per call). */
  vault?: string;
  /** Your `fetch`; default `globalThis.fetch`. Tests pass an in-process server's handler. */
  fetch?: typeof globalThis.fetch;
  /** Where time is read and waited for; default the real clock. Tests pass a fake one. */
  clock?: Clock;
  /** Retries on 429, 5xx and network errors; default 3 retries with exponential backoff and jitter. `{ retries: 0 }` disables. */
  retry?: RetryOptions;
  /** Per attempt, in ms; default 10 000. */
  timeoutMs?: number;
}

/** A Kith client: everything a vendor backend does with vaults. */
export interface KithClient {
  /** Your client id. */
  readonly clientId: string;
  /** The JSON document to serve at your client id (public key only). */
  metadataDocument(options: MetadataDocumentOptions): Promise<VendorMetadata>;
  /** Asks a vault for a grant. */
  requestGrant(options: RequestGrantOptions): Promise<GrantRequest>;
  /** Collects an approved grant with the redirect's `code` or the request id, or a shared one by `grantId`. */
  collectGrant(options: CollectGrantOptions): Promise<CollectedGrant>;
  /** Polls until the owner answers (RFC 8628 rules). */
  waitForGrant(options: WaitForGrantOptions): Promise<CollectedGrant>;
  /** Reads the person's data with a grant (DPoP-bound; conditional with `ifNoneMatch`). */
  redeem(grant: string, options?: RedeemOptions): Promise<RedeemedData | NotModified>;
  /** Gives a grant back; the vault revokes it. */
  relinquish(grant: string, options?: RelinquishOptions): Promise<void>;
  /** May you contact the person now on this channel, for this purpose? Nothing is counted. */
  canContact(grant: string, options: ContactOptions): Promise<ContactDecision>;
  /** Checks and counts a contact atomically; contact the person only if `recorded`. */
  recordContact(grant: string, options: ContactOptions): Promise<RecordedContact>;
  /** Confirms you erased what an `erasure.requested` event asked; the owner sees it confirmed. */
  acknowledgeErasure(options: AcknowledgeErasureOptions): Promise<ErasureAcknowledgement>;
  /** A vault's discovery document (`/.well-known/kith`), cached for an hour. */
  discover(vault: string): Promise<Discovery>;
}

/**
 * Creates a Kith client for a vendor backend. Configuration is checked here,
 * so a bad key or URL fails at start-up rather than on the first customer.
 *
 * @example
 * import { createKithClient } from '@kith/client';
 *
 * const kith = createKithClient({
 *   clientId: 'https://shop.example/.well-known/kith-client.json',
 *   privateJwk: JSON.parse(process.env.KITH_PRIVATE_JWK!),
 * });
 * const request = await kith.requestGrant({ vault: 'https://vault.example', fields: ['email'], purpose: 'customer_care', duration: '30d' });
 */
export function createKithClient(options: KithClientOptions): KithClient {
  const { clientId, privateJwk, clock = systemClock, timeoutMs = 10_000 } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;

  // Bad configuration throws at start-up.
  let clientIdUrl: URL;
  try {
    clientIdUrl = new URL(clientId);
  } catch (error) {
    throw clientError('INVALID_ARGUMENT', {
      detail: 'clientId must be the URL of your metadata document.',
      cause: error,
    });
  }
  if (clientIdUrl.protocol !== 'https:' && clientIdUrl.protocol !== 'http:') {
    throw clientError('INVALID_ARGUMENT', { detail: 'clientId must be an https URL.' });
  }
  assertPrivateJwk(privateJwk);
  if (options.vault !== undefined) vaultIssuer(options.vault);
  if (typeof fetchImpl !== 'function') {
    throw clientError('INVALID_ARGUMENT', { detail: 'No fetch: pass { fetch } to createKithClient.' });
  }

  const transport: Transport = {
    fetch: (input, init) => fetchImpl(input, init),
    clock,
    retry: resolveRetryOptions(options.retry),
    timeoutMs,
  };
  const cache: DiscoveryCache = new Map();
  let signingKey: Promise<SigningKey> | undefined;
  const context: KithContext = {
    clientId,
    vault: options.vault,
    transport,
    signingKey: () => {
      signingKey ??= loadSigningKey(privateJwk);
      return signingKey;
    },
    discover: (vault, signal) => discover(transport, cache, vault, signal),
  };

  return {
    clientId,
    metadataDocument: async (documentOptions) =>
      buildMetadataDocument(clientId, (await context.signingKey()).publicJwk, documentOptions),
    requestGrant: (requestOptions) => requestGrant(context, requestOptions),
    collectGrant: (collectOptions) => collectGrant(context, collectOptions),
    waitForGrant: (waitOptions) => waitForGrant(context, waitOptions),
    redeem: (grant, redeemOptions) => redeem(context, grant, redeemOptions),
    relinquish: (grant, relinquishOptions) => relinquish(context, grant, relinquishOptions),
    canContact: (grant, contactOptions) => canContact(context, grant, contactOptions),
    recordContact: (grant, contactOptions) => recordContact(context, grant, contactOptions),
    acknowledgeErasure: (erasureOptions) => acknowledgeErasure(context, erasureOptions),
    discover: (vault) => context.discover(vault),
  };
}
