import {
  type ResolveVendorOptions,
  refetchVendor,
  resolveVendor,
  type Vendor,
  type VendorDeps,
} from './resolve-vendor.ts';

/**
 * The shortest time between two fetches of one vendor's document for a key it did not list: a vendor
 * that rotated in a new key is heard within a minute, and a stream of assertions naming made-up keys
 * costs the vendor's server one request a minute, not one each.
 */
export const UNKNOWN_KEY_REFETCH_MS = 60_000;
// Tracked entries above this are pruned of the ones whose wait is over.
const MAX_TRACKED = 10_000;

/** A vendor, and whether its document lists the key an assertion names. */
export interface VendorForKey extends Vendor {
  /** False when the document lists no key with this `kid`, even after fetching it again. */
  keyKnown: boolean;
}

/**
 * The vendor behind a client id, with a document that lists key `kid` if the vendor now publishes it.
 * A vendor that rotated keys signs with one the cached document lacks: the document is fetched again
 * once (and cached) before the key is called unknown. Fetched again at most once per
 * {@link UNKNOWN_KEY_REFETCH_MS} per vendor, counting every fetch of the document. Without a `kid`
 * the cached document is answered as it is.
 *
 * @example
 * const vendor = await resolveVendorForKey(deps, clientId, header.kid);
 * if (!vendor.keyKnown) throw new KithError('INVALID_CLIENT', { detail: 'Unknown key.' });
 */
export async function resolveVendorForKey(
  deps: VendorDeps,
  clientId: string,
  kid: string | undefined,
  options: ResolveVendorOptions = {},
): Promise<VendorForKey> {
  const cached = await resolveVendor(deps, clientId, options);
  if (kid === undefined || lists(cached, kid)) return { ...cached, keyKnown: true };
  // A caller past its budget of failures makes the vault fetch nothing, not even again.
  if (options.knownOnly) return { ...cached, keyKnown: false };

  const now = deps.clock.now();
  // When each vendor's document was last fetched again for an unknown key, in this vault.
  const tracked = deps.vendorFetches.unknownKeyRefetches;
  // A document fetched (or fetched again) within the wait is as new as another fetch would be.
  const newest = Math.max(cached.fetchedAt, tracked.get(clientId) ?? Number.NEGATIVE_INFINITY);
  if (now - newest < UNKNOWN_KEY_REFETCH_MS) return { ...cached, keyKnown: false };

  if (tracked.size >= MAX_TRACKED) {
    for (const [id, at] of tracked) if (now - at >= UNKNOWN_KEY_REFETCH_MS) tracked.delete(id);
  }
  tracked.set(clientId, now);
  const fresh = await refetchVendor(deps, clientId);
  return { ...fresh, keyKnown: lists(fresh, kid) };
}

function lists(vendor: Vendor, kid: string): boolean {
  return vendor.metadata.jwks.keys.some((key) => (key as { kid?: unknown }).kid === kid);
}
