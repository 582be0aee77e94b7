import { type Agreement, type AgreementRef, findAgreement } from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import { profferedAgreement } from './proffered-agreement.ts';

/**
 * What the approve page and the pending-request view show of terms: the
 * agreement the owner proffers to this vendor and those the vendor accepted.
 *
 * @example
 * const { proffered, accepted } = await approveTerms(db, ownerId, request);
 */
export async function approveTerms(
  db: Executor,
  ownerId: string,
  request: { clientId: string; termsAccepted: readonly AgreementRef[] },
): Promise<{ proffered: Agreement | null; accepted: Agreement[] }> {
  const proffered = (await profferedAgreement(db, ownerId, request.clientId)) ?? null;
  const accepted = request.termsAccepted.flatMap((ref) => {
    const agreement = findAgreement(ref);
    return agreement ? [agreement] : [];
  });
  return { proffered, accepted };
}
