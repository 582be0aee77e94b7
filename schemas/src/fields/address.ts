import * as z from 'zod';
import { countryCodes } from './country-codes.ts';
import { defineField, line, text } from './define-field.ts';

/**
 * An ISO 3166-1 alpha-2 code. Lower case is accepted and stored upper case,
 * since people and some form libraries send `gb`.
 */
export const countryCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .pipe(z.enum(countryCodes, { message: 'Choose a country (an ISO 3166-1 code like GB).' }));

/**
 * A postal address, as the OIDC `address` claim (OpenID Connect Core 1.0
 * §5.1.1). Country is required because an address without one is ambiguous
 * to any vendor abroad; region and postal code are optional because many
 * countries have neither.
 */
export const addressSchema = z
  .strictObject({
    // OIDC: "MAY contain multiple lines, separated by newlines".
    street_address: text(300).optional(),
    locality: line(100).optional(),
    region: line(100).optional(),
    postal_code: line(20).optional(),
    country: countryCodeSchema,
    formatted: text(500).optional(),
  })
  .refine((address) => address.street_address !== undefined || address.locality !== undefined, {
    message: 'Give at least a street address or a town or city.',
    path: ['street_address'],
  })
  // The refinement above, for JSON Schema readers (zod cannot translate it).
  .meta({ anyOf: [{ required: ['street_address'] }, { required: ['locality'] }] });

export const addressFields = [
  defineField({
    path: 'address',
    section: 'address',
    label: 'Postal address',
    description: 'Your home or delivery address.',
    sensitivity: 'personal',
    schema: addressSchema,
    // `formatted` is for vendors that print labels; the form leaves it out.
    ui: {
      kind: 'group',
      parts: [
        {
          name: 'street_address',
          label: 'Street address',
          kind: 'textarea',
          rows: 3,
          autocomplete: 'street-address',
          maxLength: 300,
        },
        {
          name: 'locality',
          label: 'Town or city',
          kind: 'text',
          autocomplete: 'address-level2',
          maxLength: 100,
        },
        {
          name: 'region',
          label: 'County, state or region',
          kind: 'text',
          autocomplete: 'address-level1',
          maxLength: 100,
        },
        { name: 'postal_code', label: 'Postcode', kind: 'text', autocomplete: 'postal-code', maxLength: 20 },
        {
          name: 'country',
          label: 'Country',
          kind: 'select',
          optionsFrom: 'countries',
          autocomplete: 'country',
          required: true,
        },
      ],
    },
  }),
] as const;
