import { type AgreementListing, agreementRef, agreements } from './terms.ts';

/**
 * The agreements this vault offers, as discovery lists them, each with the
 * URL its text is served at.
 *
 * @example
 * agreementListings(new URL('https://vault.example'))[0].url // 'https://vault.example/terms/service-only/1'
 */
export function agreementListings(publicUrl: URL): AgreementListing[] {
  return agreements.map((agreement) => ({
    ...agreementRef(agreement),
    title: agreement.title,
    url: new URL(`/terms/${agreement.id}/${agreement.version}`, publicUrl).href,
  }));
}
