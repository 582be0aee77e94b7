import { type AgreementListing, agreementRef, agreements } from './terms.ts';

/**
 * The agreements a vault offers, as its discovery document lists them, each
 * with the URL its text is served at under the vault's origin.
 *
 * @example
 * agreementListings('https://vault.example')[0].url // 'https://vault.example/terms/service-only/1'
 */
export function agreementListings(origin: string): AgreementListing[] {
  return agreements.map((agreement) => ({
    ...agreementRef(agreement),
    title: agreement.title,
    url: `${origin}/terms/${agreement.id}/${agreement.version}`,
  }));
}
