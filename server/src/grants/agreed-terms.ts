import {
  type Agreement,
  type AgreementRef,
  agreementRef,
  type ContactTerms,
  latestAgreement,
  type Purpose,
} from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import { profferedAgreement } from '../terms/proffered-agreement.ts';

/** The terms a grant is given under, and the contact terms they leave it. */
export interface AgreedTerms {
  /** The agreement both sides hold to, or undefined when the owner proffers none. */
  ref: AgreementRef | undefined;
  /** The vendor's contact ask, capped by the agreement's contact terms. */
  contact: ContactTerms | null;
}

/** What a grant request says about terms: the vendor's purpose and contact ask, and what it accepted. */
interface TermsOfRequest {
  clientId: string;
  purpose: Purpose;
  contact: ContactTerms | null;
  termsAccepted: readonly AgreementRef[];
}

/**
 * Decides the agreement a grant is given under: the one the owner chose on
 * the approve page, else the one they proffer to this vendor. It must be
 * among those the vendor accepted in its signed request, and must allow the
 * request's purpose; otherwise `TERMS_NOT_ACCEPTED`. An owner who proffers
 * nothing and chose nothing approves on the vendor's terms, as before.
 *
 * @example
 * const terms = await agreedTerms(db, ownerId, request, undefined);
 */
export async function agreedTerms(
  db: Executor,
  ownerId: string,
  request: TermsOfRequest,
  chosenId: string | undefined,
): Promise<AgreedTerms> {
  const agreement =
    chosenId === undefined
      ? await profferedAgreement(db, ownerId, request.clientId)
      : latestAgreement(chosenId);
  if (chosenId !== undefined && agreement === undefined) {
    throw new KithError('VALIDATION_FAILED', { detail: `No standard agreement is called "${chosenId}".` });
  }
  return termsUnder(agreement, request);
}

/**
 * The terms a grant is given under `agreement` (undefined: none, the
 * vendor's own), with the same checks as {@link agreedTerms}, for a caller
 * that has already read the agreement.
 *
 * @example
 * const { contact } = termsUnder(proffered, request);
 */
export function termsUnder(agreement: Agreement | undefined, request: TermsOfRequest): AgreedTerms {
  if (agreement === undefined) return { ref: undefined, contact: request.contact };
  const ref = agreementRef(agreement);

  // The vendor agreed to exactly this text, under its signature, or there is no agreement.
  if (
    !request.termsAccepted.some(
      (a) => a.id === ref.id && a.version === ref.version && a.sha256 === ref.sha256,
    )
  ) {
    throw new KithError('TERMS_NOT_ACCEPTED', {
      detail: `The vendor has not accepted "${agreement.title}" (${ref.id}, version ${ref.version}).`,
    });
  }
  // The agreement names the purposes a grant under it may have.
  if (!agreement.terms.purposes.includes(request.purpose)) {
    throw new KithError('TERMS_NOT_ACCEPTED', {
      detail: `"${agreement.title}" does not allow the purpose this request names (${request.purpose}).`,
    });
  }
  return { ref, contact: capContact(request.contact, agreement.terms.contact) };
}

/** Contact terms no wider than the agreement's: its purposes only, at most its weekly count. */
function capContact(
  asked: ContactTerms | null,
  allowed: { purposes: ('service' | 'marketing')[]; max_per_week: number },
): ContactTerms | null {
  if (asked === null) return null;
  return {
    channels: asked.channels,
    purposes: asked.purposes.filter((p) => allowed.purposes.includes(p)),
    max_per_week: Math.min(asked.max_per_week, allowed.max_per_week),
  };
}
