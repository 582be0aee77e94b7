import { type Discovery, discoverySchema } from '@kith/schemas';
import { clientError } from './errors.ts';
import { readJson, send, type Transport } from './http.ts';
import { assertSameOrigin, vaultIssuer } from './vault-url.ts';

/** How long a vault's discovery document is reused before it is fetched again. */
export const DISCOVERY_TTL_MS = 60 * 60 * 1000;

/** A discovery cache: one document per issuer. */
export type DiscoveryCache = Map<string, { fetchedAt: number; document: Promise<Discovery> }>;

async function fetchDiscovery(
  transport: Transport,
  issuer: string,
  signal?: AbortSignal,
): Promise<Discovery> {
  const response = await send(
    transport,
    async () => ({
      url: `${issuer}/.well-known/kith`,
      init: { method: 'GET', headers: { accept: 'application/json' } },
    }),
    signal,
  );
  const document = await readJson(response, discoverySchema);
  // RFC 8414 §3.3: the issuer in the document MUST be identical to the one it was fetched for.
  if (vaultIssuer(document.issuer) !== issuer) {
    throw clientError('INVALID_RESPONSE', {
      detail: `The vault at ${issuer} calls itself ${document.issuer}.`,
    });
  }
  for (const endpoint of [
    document.grant_request_endpoint,
    document.grant_collect_endpoint,
    document.data_endpoint,
    document.relinquish_endpoint,
  ]) {
    assertSameOrigin(endpoint, issuer);
  }
  return document;
}

/**
 * Fetches a vault's `/.well-known/kith` document (cached for an hour), after
 * checking that the vault URL is trusted and that the document names the same
 * issuer and keeps its endpoints on its own origin.
 *
 * @example
 * const discovery = await discover(transport, cache, 'https://vault.example');
 * discovery.data_endpoint // 'https://vault.example/v1/data'
 */
export async function discover(
  transport: Transport,
  cache: DiscoveryCache,
  vault: string,
  signal?: AbortSignal,
): Promise<Discovery> {
  const issuer = vaultIssuer(vault);
  const now = transport.clock.now();
  const cached = cache.get(issuer);
  if (cached && now - cached.fetchedAt < DISCOVERY_TTL_MS) return cached.document;
  const document = fetchDiscovery(transport, issuer, signal);
  cache.set(issuer, { fetchedAt: now, document });
  // A failed discovery is not remembered: the next call tries again.
  document.catch(() => {
    if (cache.get(issuer)?.document === document) cache.delete(issuer);
  });
  return document;
}
