import * as z from 'zod';

/**
 * The purposes a vendor may ask for, each mapped to its W3C Data Privacy
 * Vocabulary term (https://w3id.org/dpv) and said in plain words for the owner.
 * The list is small on purpose: an owner can judge eight purposes, not eighty.
 */
export const purposes = {
  service_provision: {
    dpv: 'dpv:ServiceProvision',
    label: 'Provide the service you asked for',
    description: 'To provide a service or product you requested.',
  },
  delivery: {
    dpv: 'dpv:DeliveryOfGoods',
    label: 'Deliver your order',
    description: 'To deliver goods you ordered to you.',
  },
  customer_care: {
    dpv: 'dpv:CustomerCare',
    label: 'Help you when you ask',
    description: 'To answer your questions and handle your complaints.',
  },
  account_management: {
    dpv: 'dpv:AccountManagement',
    label: 'Run your account',
    description: 'To create and keep your customer account.',
  },
  personalisation: {
    dpv: 'dpv:ServicePersonalisation',
    label: 'Recognise you and your preferences',
    description: 'To tailor the service to you, on the terms you set.',
  },
  identity_verification: {
    dpv: 'dpv:IdentityVerification',
    label: 'Check who you are',
    description: 'To verify your identity, for example before handing over a parcel or an account.',
  },
  legal_compliance: {
    dpv: 'dpv:LegalCompliance',
    label: 'Meet a legal duty',
    description: 'Because a law requires the vendor to hold this.',
  },
  marketing: {
    dpv: 'dpv:DirectMarketing',
    label: 'Send you offers',
    description: 'To tell you about products and offers.',
  },
} as const satisfies Record<string, { dpv: string; label: string; description: string }>;

/** A purpose id, e.g. `delivery`. */
export type Purpose = keyof typeof purposes;

/** Every purpose id, in display order. */
export const purposeIds = Object.keys(purposes) as [Purpose, ...Purpose[]];

/** A purpose id on the wire. */
export const purposeSchema = z.enum(purposeIds);
