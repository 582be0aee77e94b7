import type { VendorMetadata } from '@kith/schemas';
import type { JWK } from 'jose';
import { toPublicJwk } from './signing-key.ts';

/** Options of {@link metadataDocument}. */
export interface MetadataDocumentOptions {
  /** Shown to the owner, next to your verified domain. */
  clientName: string;
  /** Where a vault may send the person back after approving (`redirectUri` must be one of them). */
  redirectUris: string[];
  /** Where vaults deliver signed events (`grant.revoked`, `profile.updated`…). */
  webhookUri?: string;
  logoUri?: string;
  /** Your home page. */
  clientUri?: string;
  /** Your privacy policy. */
  policyUri?: string;
  /**
   * More public keys to publish, e.g. the next key before a rotation. Only
   * their public members are kept.
   */
  additionalPublicJwks?: JWK[];
}

/**
 * Builds the vendor metadata document to serve, as JSON, at the client id URL
 * (an OAuth Client ID Metadata Document plus `webhook_uri`). It publishes only
 * the public half of each key: private members never leave your server.
 * `kith.metadataDocument()` calls it with the client's own key.
 *
 * @example
 * const document = buildMetadataDocument(clientId, publicJwk, { clientName: 'Shop', redirectUris: [callbackUrl] });
 * app.get('/.well-known/kith-client.json', (c) => c.json(document));
 */
export function buildMetadataDocument(
  clientId: string,
  publicJwk: JWK,
  options: MetadataDocumentOptions,
): VendorMetadata {
  // Whatever the caller passes, only public members are published (RFC 7517 §4: a JWK Set for others to verify with).
  const keys = [publicJwk, ...(options.additionalPublicJwks ?? [])].map((jwk) => ({ ...toPublicJwk(jwk) }));
  const document: VendorMetadata = {
    client_id: clientId,
    client_name: options.clientName,
    jwks: { keys },
    redirect_uris: [...options.redirectUris],
  };
  if (options.logoUri !== undefined) document.logo_uri = options.logoUri;
  if (options.clientUri !== undefined) document.client_uri = options.clientUri;
  if (options.policyUri !== undefined) document.policy_uri = options.policyUri;
  if (options.webhookUri !== undefined) document.webhook_uri = options.webhookUri;
  return document;
}
