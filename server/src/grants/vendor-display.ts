import type { VendorMetadata } from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import { findVendor } from '../vendors/vendor.repository.ts';
import { normaliseVendorName } from '../vendors/vendor-name.ts';

/** How the owner's pages name a vendor: its own name, and the address Kith verified. */
export interface VendorDisplay {
  clientId: string;
  /** Its self-chosen name, stripped of bidi controls and invisible characters (vendor-name.ts). */
  name: string;
  /** The host of the client id: the vault fetched the metadata from there, so it is proven. */
  domain: string;
  /**
   * The client id as the owner reads it: origin and path (and query, if any). Two vendors on one
   * host differ by path only, so the host alone would not tell them apart.
   */
  address: string;
  homePage: string | null;
  policy: string | null;
}

/** Names a vendor from its cached metadata; falls back to its domain. */
export async function vendorDisplay(db: Executor, clientId: string): Promise<VendorDisplay> {
  const row = await findVendor(db, clientId);
  const metadata = row ? (JSON.parse(row.metadata) as VendorMetadata) : undefined;
  const url = new URL(clientId);
  // Normalised here too: a document cached before the rule was checked may carry anything.
  const name = normaliseVendorName(metadata?.client_name ?? '');
  return {
    clientId,
    name: name === '' ? url.host : name,
    domain: url.host,
    address: `${url.origin}${url.pathname}${url.search}`,
    homePage: metadata?.client_uri ?? null,
    policy: metadata?.policy_uri ?? null,
  };
}
