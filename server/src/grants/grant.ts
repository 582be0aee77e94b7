import type { AgreementRef, ContactTerms, FieldPath, GrantClaims, Purpose } from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { insertGrant } from './grant.repository.ts';
import {
  type GrantOrigin,
  type GrantRow,
  grantContactOf,
  grantFieldsOf,
  grantTermsOf,
} from './grant.table.ts';
import { pairwiseSubject } from './pairwise-subject.ts';

/**
 * A grant as the rules see it: the row with its JSON columns decoded. This
 * module is the only place that knows how a grant is stored: a new restriction
 * is a column here, a claim in `grantClaimsSchema` and a line in `grantClaims`.
 */
export interface Grant {
  id: string;
  ownerId: string;
  clientId: string;
  /** The pairwise subject id this vendor knows the owner by. */
  subject: string;
  fields: FieldPath[];
  purpose: Purpose;
  /** The contact terms the vendor asked for (as the owner approved them), if any. */
  contact: ContactTerms | undefined;
  /** The owner's agreement the grant was given under, if any. */
  terms: AgreementRef | undefined;
  /** The vendor's signed acceptance of `terms` (its client assertion), if it gave one. */
  termsAcceptance: string | null;
  origin: GrantOrigin;
  createdAt: number;
  expiresAt: number;
  collectedAt: number | null;
  jkt: string | null;
  receipt: string | null;
  revokedAt: number | null;
  revokedBy: 'owner' | 'vendor' | null;
  /** 1 as issued; each narrowing (fewer fields, a new receipt) adds one. */
  version: number;
}

/** What every path that gives a vendor a grant (an approved request, an owner's share) states. */
export interface IssueGrantInput {
  /** Its id, when the caller must name the grant before it exists (an approval records it on the request first). */
  id?: string;
  ownerId: string;
  clientId: string;
  fields: readonly FieldPath[];
  purpose: Purpose;
  durationSeconds: number;
  contact?: ContactTerms | null | undefined;
  /** The agreement and the vendor's signed acceptance of it. */
  terms?: { ref: AgreementRef; acceptance: string | null } | undefined;
  origin: GrantOrigin;
  at: number;
}

/**
 * Writes a new, uncollected grant inside the caller's transaction; the vendor
 * collects its token next. The one way a grant comes to be.
 *
 * @example
 * const grant = await issueGrant(trx, deps.keys, { ownerId, clientId, fields: ['email'], purpose: 'delivery', durationSeconds: 86400, origin: 'owner', at: now });
 */
export async function issueGrant(trx: Executor, keys: VaultKeys, input: IssueGrantInput): Promise<Grant> {
  const grant: Grant = {
    id: input.id ?? newId('grt'),
    ownerId: input.ownerId,
    clientId: input.clientId,
    subject: pairwiseSubject(keys, input.ownerId, input.clientId),
    fields: [...input.fields],
    purpose: input.purpose,
    contact: input.contact ?? undefined,
    terms: input.terms?.ref,
    termsAcceptance: input.terms?.acceptance ?? null,
    origin: input.origin,
    createdAt: input.at,
    expiresAt: input.at + input.durationSeconds * 1000,
    collectedAt: null,
    jkt: null,
    receipt: null,
    revokedAt: null,
    revokedBy: null,
    version: 1,
  };
  await insertGrant(trx, {
    id: grant.id,
    owner_id: grant.ownerId,
    client_id: grant.clientId,
    subject: grant.subject,
    fields: JSON.stringify(grant.fields),
    purpose: grant.purpose,
    contact: grant.contact ? JSON.stringify(grant.contact) : null,
    terms: grant.terms ? JSON.stringify(grant.terms) : null,
    terms_acceptance: grant.termsAcceptance,
    origin: grant.origin,
    created_at: grant.createdAt,
    expires_at: grant.expiresAt,
    collected_at: null,
    jkt: null,
    token_hash: null,
    receipt: null,
    revoked_at: null,
    revoked_by: null,
  });
  return grant;
}

/** A grant row, decoded: the one reader of its JSON columns. */
export function decodeGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    ownerId: row.owner_id,
    clientId: row.client_id,
    subject: row.subject,
    fields: grantFieldsOf(row),
    purpose: row.purpose as Purpose,
    contact: grantContactOf(row),
    terms: grantTermsOf(row),
    termsAcceptance: row.terms_acceptance,
    origin: row.origin,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    collectedAt: row.collected_at,
    jkt: row.jkt,
    receipt: row.receipt,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    version: row.version,
  };
}

/**
 * The claims of the grant's token (`iss` is the signer's to add), typed by
 * `@kith/schemas`, so the token and what vendors parse cannot drift apart.
 * RFC 9449 §6: `cnf.jkt` binds the token to the key of the collecting proof.
 */
export function grantClaims(
  grant: Grant,
  token: { audience: string; issuedAt: number; jkt: string },
): Omit<GrantClaims, 'iss'> {
  return {
    sub: grant.subject,
    aud: token.audience,
    client_id: grant.clientId,
    jti: grant.id,
    iat: token.issuedAt,
    exp: Math.floor(grant.expiresAt / 1000),
    fields: grant.fields,
    purpose: grant.purpose,
    ...(grant.contact ? { contact: grant.contact } : {}),
    ...(grant.terms ? { terms: grant.terms } : {}),
    cnf: { jkt: token.jkt },
  };
}
