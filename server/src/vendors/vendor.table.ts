import type { Insertable, Selectable } from 'kysely';

/** A vendor's metadata document as last fetched from its client id, cached until `expires_at`. */
export interface VendorTable {
  /** The HTTPS URL the document was fetched from, equal to its `client_id`. */
  client_id: string;
  /** The validated document as JSON. */
  metadata: string;
  fetched_at: number;
  expires_at: number;
  /** The per-vendor webhook HMAC secret, sealed under the master key; null until first needed. */
  webhook_secret_sealed: Uint8Array | null;
}

export type VendorRow = Selectable<VendorTable>;
export type NewVendorRow = Insertable<VendorTable>;
