import type { AgreementRef, ContactTerms, FieldPath } from '@kith/schemas';
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type GrantRequestStatus = 'pending' | 'approved' | 'denied' | 'collected';

/** A vendor's request, waiting for the owner's answer and then for collection. */
export interface GrantRequestTable {
  id: string;
  client_id: string;
  /** What the owner types at /approve; unique while it matters. */
  user_code: string;
  /** JSON arrays of field paths. */
  fields: string;
  optional_fields: string;
  purpose: string;
  duration_seconds: number;
  /** JSON contact terms the vendor asked for, or null. */
  contact: string | null;
  redirect_uri: string | null;
  state: string | null;
  status: GrantRequestStatus;
  created_at: number;
  expires_at: number;
  poll_interval: number;
  last_polled_at: number | null;
  owner_id: string | null;
  grant_id: string | null;
  decided_at: number | null;
  /** SHA-256 of the one-time redirect code. */
  code_hash: string | null;
  code_expires_at: number | null;
  /** JSON array of the agreement references the vendor accepted, or null when it stated none. */
  terms_accepted: string | null;
  /** The vendor's client assertion (a JWS) that states that acceptance under its signature. */
  terms_assertion: string | null;
}

/** A grant an owner gave a vendor: what it may read, why, until when. */
export interface GrantTable {
  id: string;
  owner_id: string;
  client_id: string;
  /** The pairwise subject id this vendor knows the owner by. */
  subject: string;
  /** JSON array of field paths. */
  fields: string;
  purpose: string;
  contact: string | null;
  created_at: number;
  expires_at: number;
  collected_at: number | null;
  /** RFC 7638 thumbprint of the vendor key the token is bound to (RFC 9449 §6). */
  jkt: string | null;
  /** SHA-256 of the issued token: redeem compares against it instead of re-verifying our own signature. */
  token_hash: string | null;
  /** The signed consent receipt (a JWS). */
  receipt: string | null;
  revoked_at: number | null;
  revoked_by: 'owner' | 'vendor' | null;
  /** `request`: the vendor asked and the owner approved; `owner`: the owner shared unasked. */
  origin: Generated<GrantOrigin>;
  /** JSON agreement reference the grant was given under, or null when the owner proffered none. */
  terms: string | null;
  /** The vendor's signed acceptance of those terms (its client assertion, a JWS), or null. */
  terms_acceptance: string | null;
  /** 1 as issued, one more each time the owner narrows it (conduct/): redeem reads `fields` of the row, not the token. */
  version: Generated<number>;
}

export type GrantOrigin = 'request' | 'owner';

export type GrantRequestRow = Selectable<GrantRequestTable>;
export type NewGrantRequestRow = Insertable<GrantRequestTable>;
export type GrantRequestUpdate = Updateable<GrantRequestTable>;
export type GrantRow = Selectable<GrantTable>;
export type NewGrantRow = Insertable<GrantTable>;
export type GrantUpdate = Updateable<GrantTable>;

// The grant's JSON columns are read here, beside their row type, so every layer
// that reads a grant row decodes them one way (events reads them, and grants
// emit events, so events cannot import grants/); `decodeGrant` in grant.ts
// builds the whole Grant from these.

/** The granted field paths, from a row or the few columns a hot path selected. */
export function grantFieldsOf(row: Pick<GrantRow, 'fields'>): FieldPath[] {
  return JSON.parse(row.fields) as FieldPath[];
}

/** The contact terms the request asked for, or null if it asked for none. */
export function requestedContactOf(row: Pick<GrantRequestRow, 'contact'>): ContactTerms | null {
  return row.contact ? (JSON.parse(row.contact) as ContactTerms) : null;
}

/** The contact terms the grant carries, if the vendor asked for any. */
export function grantContactOf(row: Pick<GrantRow, 'contact'>): ContactTerms | undefined {
  return row.contact ? (JSON.parse(row.contact) as ContactTerms) : undefined;
}

/** The owner's agreement the grant was given under, if any. */
export function grantTermsOf(row: Pick<GrantRow, 'terms'>): AgreementRef | undefined {
  return row.terms ? (JSON.parse(row.terms) as AgreementRef) : undefined;
}
