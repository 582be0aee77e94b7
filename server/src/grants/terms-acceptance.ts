import { type AgreementRef, agreementRefSchema, findAgreement, TERMS_ACCEPTED_CLAIM } from '@kith/schemas';
import { KithError } from '../http/kith-error.ts';

/** More would be no statement at all: the catalogue has five. */
const MAX_ACCEPTED = 10;

/**
 * The agreements a vendor accepts, read from its verified client assertion
 * (the `kith_terms_accepted` claim): under its own signature, so the
 * acceptance is provable later. Absent means it accepts none. Each must name
 * an agreement this vault offers exactly — id, version and SHA-256 — so the
 * vendor cannot accept a text other than the one the owner proffers.
 *
 * @example
 * const accepted = termsAcceptedBy(vendor.claims); // [{ id: 'service-only', version: 1, sha256: '…' }]
 */
export function termsAcceptedBy(claims: Record<string, unknown>): AgreementRef[] {
  const claim = claims[TERMS_ACCEPTED_CLAIM];
  if (claim === undefined) return [];
  const parsed = agreementRefSchema.array().max(MAX_ACCEPTED).safeParse(claim);
  if (!parsed.success) {
    throw new KithError('VALIDATION_FAILED', {
      detail: `${TERMS_ACCEPTED_CLAIM} must be a list of at most ${MAX_ACCEPTED} agreement references { id, version, sha256 }.`,
    });
  }
  for (const ref of parsed.data) {
    if (!findAgreement(ref)) {
      throw new KithError('VALIDATION_FAILED', {
        detail: `${ref.id} version ${ref.version} with that SHA-256 is not an agreement this vault offers (see terms_supported).`,
      });
    }
  }
  return parsed.data;
}
