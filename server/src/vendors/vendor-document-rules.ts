import type { VendorMetadata } from '@kith/schemas';
import { type Config, isLoopbackHost } from '../config.ts';
import { normaliseVendorName } from './vendor-name.ts';

/**
 * What a vendor's metadata document must meet beyond its schema, for the
 * owner's sake: a name with something visible in it, a webhook that reaches
 * this machine only for a vendor that is itself on this machine (in
 * development mode), and plain-http redirects only in development mode.
 * Returns why the document is refused, or `undefined`.
 *
 * @example
 * const problem = vendorDocumentProblem(metadata, new URL(clientId), config);
 * if (problem) throw refuse(problem);
 */
export function vendorDocumentProblem(
  metadata: VendorMetadata,
  clientId: URL,
  config: Pick<Config, 'devAllowLocalVendors'>,
): string | undefined {
  // The owner decides on this name: one that shows as nothing cannot be told apart from another.
  if (normaliseVendorName(metadata.client_name) === '') {
    return 'client_name has no visible characters once bidi controls and invisible characters are removed.';
  }
  // Development mode admits this machine for vendors running on it; a vendor out on the
  // internet must not point the vault's webhooks at the vault's own machine.
  const localVendor = config.devAllowLocalVendors && isLoopbackHost(clientId.hostname);
  if (metadata.webhook_uri !== undefined) {
    const webhook = new URL(metadata.webhook_uri);
    const local = isLoopbackHost(webhook.hostname);
    if (local && !localVendor) {
      return 'webhook_uri is on this machine; only a vendor whose client id is on it may use that, in development mode.';
    }
    if (webhook.protocol !== 'https:' && !local) return 'webhook_uri must be an https:// URL.';
  }
  // The one-time code travels in the redirect: over plain http anyone on the path reads it.
  for (const [index, uri] of metadata.redirect_uris.entries()) {
    if (new URL(uri).protocol !== 'https:' && !config.devAllowLocalVendors) {
      return `redirect_uris.${index} must be an https:// URL (http:// only in development mode).`;
    }
  }
  return undefined;
}
