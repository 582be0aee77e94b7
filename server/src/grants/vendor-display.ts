import type { VendorMetadata } from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import { findVendor } from '../vendors/vendor.repository.ts';

/** How the owner's pages name a vendor: its own name, and the domain Kith verified. */
export interface VendorDisplay {
  clientId: string;
  name: string;
  /** The host of the client id: the vault fetched the metadata from there, so it is proven. */
  domain: string;
  homePage: string | null;
  policy: string | null;
}

/** Names a vendor from its cached metadata; falls back to its domain. */
export async function vendorDisplay(db: Executor, clientId: string): Promise<VendorDisplay> {
  const row = await findVendor(db, clientId);
  const metadata = row ? (JSON.parse(row.metadata) as VendorMetadata) : undefined;
  const domain = new URL(clientId).host;
  return {
    clientId,
    name: metadata?.client_name ?? domain,
    domain,
    homePage: metadata?.client_uri ?? null,
    policy: metadata?.policy_uri ?? null,
  };
}
