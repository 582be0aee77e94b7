import * as z from 'zod';
import type { Purpose } from './purposes.ts';

// Standard agreements an owner proffers and a vendor accepts, in the spirit of
// IEEE 7012 ("MyTerms") and Customer Commons: the person offers terms from a
// short public list, the vendor's machine agrees to one of them, and both keep
// a signed record. Each agreement is identified by id and version and pinned by
// the SHA-256 of its canonical JSON, so a vendor accepts exactly the text it
// read; a changed text is a new version, never an edit.

/** Who else may receive the data: nobody, or only processors working for the vendor. */
export type ThirdPartySharing = 'none' | 'processors_only';
/** Tracking beyond the grant: none at all, or within the vendor's own service. */
export type Tracking = 'none' | 'first_party_only';

/** The machine-readable side of an agreement. */
export interface AgreementTerms {
  /** The only purposes a grant under this agreement may have. */
  purposes: Purpose[];
  third_party_sharing: ThirdPartySharing;
  tracking: Tracking;
  /** The longest the vendor keeps the data after the relationship ends; sets the erasure deadline. */
  retention_days: number;
  /** The contact the agreement allows at most: it caps what a grant's contact terms may be. */
  contact: { purposes: ('service' | 'marketing')[]; max_per_week: number };
}

/** A standard agreement. */
export interface Agreement {
  /** Stable: a vendor names it in its grant request. */
  id: string;
  /** Starts at 1; any change of text or terms is a new version. */
  version: number;
  title: string;
  /** One sentence for lists. */
  summary: string;
  /** The plain-language text, one paragraph per entry. */
  text: string[];
  terms: AgreementTerms;
}

/** An agreement named exactly: what a grant, a receipt and a vendor's acceptance carry. */
export interface AgreementRef {
  id: string;
  version: number;
  /** Lowercase hex SHA-256 of the agreement's canonical JSON (see {@link canonicalAgreementJson}). */
  sha256: string;
}

const serviceOnly = [
  'service_provision',
  'delivery',
  'customer_care',
  'account_management',
  'identity_verification',
  'legal_compliance',
] satisfies Purpose[];

/**
 * The agreements a Kith vault offers, in display order. Their hashes are in
 * {@link agreementHashes}; a test holds the two together.
 */
export const agreements: readonly Agreement[] = [
  {
    id: 'service-only',
    version: 1,
    title: 'Service only, no sharing',
    summary: 'Use my data only to serve me, share it with nobody, erase it within 30 days of goodbye.',
    text: [
      'You may use the data I grant you only to provide what I asked for: the service, its delivery, help when I ask, my account, checking who I am, and what a law requires of you.',
      'You share it with nobody, not even companies working for you, and you do not sell it.',
      'You do not track me or build a profile of me beyond what I grant.',
      'You contact me only about the service, at most once a week.',
      'When I end our relationship you erase what you hold about me within 30 days and tell my vault.',
    ],
    terms: {
      purposes: serviceOnly,
      third_party_sharing: 'none',
      tracking: 'none',
      retention_days: 30,
      contact: { purposes: ['service'], max_per_week: 1 },
    },
  },
  {
    id: 'service-with-processors',
    version: 1,
    title: 'Service only, with your processors',
    summary: 'Use my data only to serve me; companies working for you may handle it under your contract.',
    text: [
      'You may use the data I grant you only to provide what I asked for: the service, its delivery, help when I ask, my account, checking who I am, and what a law requires of you.',
      'Companies that work for you under contract (a carrier, a payment processor, a hosting provider) may handle it for that purpose only. Nobody else receives it, and you do not sell it.',
      'You do not track me or build a profile of me beyond what I grant.',
      'You contact me only about the service, at most twice a week.',
      'When I end our relationship you erase what you hold about me within 30 days and tell my vault.',
    ],
    terms: {
      purposes: serviceOnly,
      third_party_sharing: 'processors_only',
      tracking: 'none',
      retention_days: 30,
      contact: { purposes: ['service'], max_per_week: 2 },
    },
  },
  {
    id: 'service-and-personalisation',
    version: 1,
    title: 'Service and personalisation, no third parties',
    summary: 'Serve me and recognise my preferences; share with nobody; erase within 90 days of goodbye.',
    text: [
      'You may use the data I grant you to provide what I asked for and to recognise me: my preferred name, my sizes, my needs.',
      'You may learn from how I use your own service to serve me better, but you do not follow me elsewhere or combine my data with data from others.',
      'You share it with nobody and you do not sell it.',
      'You contact me only about the service, at most twice a week.',
      'When I end our relationship you erase what you hold about me within 90 days and tell my vault.',
    ],
    terms: {
      purposes: [...serviceOnly, 'personalisation'],
      third_party_sharing: 'none',
      tracking: 'first_party_only',
      retention_days: 90,
      contact: { purposes: ['service'], max_per_week: 2 },
    },
  },
  {
    id: 'service-and-offers',
    version: 1,
    title: 'Service and your own offers',
    summary: 'Serve me, and you may send me your own offers within my contact terms; share with nobody.',
    text: [
      'You may use the data I grant you to provide what I asked for, to recognise me, and to tell me about your own products and offers.',
      'Offers come from you, within the contact terms I set in my vault: never from anyone you pass my data to, because you pass it to nobody, and you do not sell it.',
      'You may learn from how I use your own service, but you do not follow me elsewhere.',
      'You contact me at most twice a week, service and offers together.',
      'When I end our relationship you erase what you hold about me within 90 days and tell my vault.',
    ],
    terms: {
      purposes: [...serviceOnly, 'personalisation', 'marketing'],
      third_party_sharing: 'none',
      tracking: 'first_party_only',
      retention_days: 90,
      contact: { purposes: ['service', 'marketing'], max_per_week: 2 },
    },
  },
  {
    id: 'one-off',
    version: 1,
    title: 'One-off: serve me, then forget me',
    summary: 'Use my data for this one thing, contact me only about it, erase it within a day of goodbye.',
    text: [
      'You may use the data I grant you only to provide what I asked for this time.',
      'You share it with nobody, you do not sell it, and you do not track me.',
      'You contact me only about this service, at most once a week.',
      'When I end our relationship you erase what you hold about me within one day and tell my vault.',
    ],
    terms: {
      purposes: serviceOnly,
      third_party_sharing: 'none',
      tracking: 'none',
      retention_days: 1,
      contact: { purposes: ['service'], max_per_week: 1 },
    },
  },
];

/**
 * The SHA-256 (lowercase hex) of each agreement's canonical JSON, by `id@version`.
 * Kept as constants so that every runtime can read them without hashing; the
 * schemas test recomputes them.
 */
export const agreementHashes: Readonly<Record<string, string>> = {
  'service-only@1': '4e7d5481a2fccc4b9987ab589166d3204906f79a3236fb79ec787dc1f21f25fc',
  'service-with-processors@1': '40f0a2406ea2667f04017f4191aadcd8eb1efc53263d700290a72804a7696572',
  'service-and-personalisation@1': 'b34fba181fa05b3a70401b18ffb2b7221973d39cd82e28f65f6ecbfd7ed16911',
  'service-and-offers@1': '3fe1865796f3b12bb8ff2ca8dfdd09bf65712024580203ffeb8e3dfb2a0136e9',
  'one-off@1': 'd240c0b0c47b461f650140349272f8858cda1cb9482714c99ad32308279f86e3',
};

/**
 * The canonical JSON of an agreement, the input of its SHA-256: object keys
 * sorted, no white space (the JSON Canonicalization Scheme, RFC 8785, for
 * values of only strings, integers and arrays).
 *
 * @example
 * canonicalAgreementJson(agreements[0]).startsWith('{"id":"service-only"') // true
 */
export function canonicalAgreementJson(agreement: Agreement): string {
  return canonicalJson(agreement);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * An agreement's exact reference: id, version and hash.
 *
 * @example
 * agreementRef(agreements[0]) // { id: 'service-only', version: 1, sha256: '…' }
 */
export function agreementRef(agreement: Agreement): AgreementRef {
  return {
    id: agreement.id,
    version: agreement.version,
    sha256: agreementHashes[`${agreement.id}@${agreement.version}`] ?? '',
  };
}

/**
 * The agreement a reference names, or undefined when id, version or hash do not match one.
 *
 * @example
 * findAgreement({ id: 'service-only', version: 1, sha256: agreementRef(agreements[0]).sha256 })?.title
 */
export function findAgreement(ref: { id: string; version: number; sha256?: string }): Agreement | undefined {
  const agreement = agreements.find((a) => a.id === ref.id && a.version === ref.version);
  if (!agreement) return undefined;
  if (ref.sha256 !== undefined && ref.sha256 !== agreementRef(agreement).sha256) return undefined;
  return agreement;
}

/**
 * The newest version of an agreement, by id.
 *
 * @example
 * latestAgreement('service-only')?.version // 1
 */
export function latestAgreement(id: string): Agreement | undefined {
  return agreements.filter((a) => a.id === id).sort((a, b) => b.version - a.version)[0];
}

/** An agreement reference on the wire. */
export const agreementRefSchema = z.strictObject({
  id: z.string().min(1).max(100),
  version: z.int().min(1).max(1000),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** How an agreement is listed in discovery (`terms_supported`). */
export const agreementListingSchema = z.object({
  id: z.string(),
  version: z.int(),
  sha256: z.string(),
  title: z.string(),
  /** Where its text is served: HTML for people, JSON with `Accept: application/json`. */
  url: z.url(),
});
export type AgreementListing = z.output<typeof agreementListingSchema>;

/**
 * The claim in a vendor's client assertion that states, under its signature,
 * which agreements it accepts for the grant it asks for.
 */
export const TERMS_ACCEPTED_CLAIM = 'kith_terms_accepted';

/** `GET /v1/me/terms`: the agreement the owner proffers by default, and to which vendors another. */
export const ownerTermsSchema = z.object({
  default: agreementRefSchema.nullable(),
  vendors: z.array(z.object({ client_id: z.string(), terms: agreementRefSchema })),
});
export type OwnerTerms = z.output<typeof ownerTermsSchema>;

/**
 * `PUT /v1/me/terms` and `PUT /v1/me/vendors/{key}/terms`: the agreement to
 * proffer, by id (its newest version). `null` proffers none by default, or,
 * for one vendor, follows the default again.
 */
export const setTermsInputSchema = z.strictObject({
  agreement: z.string().min(1).max(100).nullable(),
});
export type SetTermsInput = z.input<typeof setTermsInputSchema>;
