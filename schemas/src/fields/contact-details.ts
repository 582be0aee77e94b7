import * as z from 'zod';
import { defineField } from './define-field.ts';

/**
 * An email address, trimmed, with its domain lower-cased. The local part
 * keeps its case: RFC 5321 §2.4 lets a mail server treat it as significant.
 */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .overwrite(lowerCaseDomain)
  .pipe(z.email({ message: 'Enter an email address like name@example.com.' }).max(254));

function lowerCaseDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at) + address.slice(at).toLowerCase();
}

/**
 * A phone number in E.164 form (ITU-T E.164: `+`, country code, at most 15
 * digits). Spaces, dots, dashes and brackets typed by people are removed
 * before checking, so `+44 7700 900123` is stored as `+447700900123`.
 */
export const phoneNumberSchema = z
  .string()
  .trim()
  .overwrite((value) => value.replace(/[\s().-]/g, ''))
  .pipe(z.e164({ message: 'Enter the number with its country code, like +447700900123.' }));

export const contactDetailsFields = [
  defineField({
    path: 'email',
    section: 'contact_details',
    label: 'Email address',
    description: 'Where vendors you allow may send email.',
    sensitivity: 'personal',
    schema: emailSchema,
    ui: { kind: 'email', inputMode: 'email', autocomplete: 'email', maxLength: 254 },
  }),
  defineField({
    path: 'phone_number',
    section: 'contact_details',
    label: 'Phone number',
    description: 'Your phone number with its country code, for example +447700900123.',
    sensitivity: 'personal',
    schema: phoneNumberSchema,
    ui: {
      kind: 'tel',
      inputMode: 'tel',
      autocomplete: 'tel',
      placeholder: '+447700900123',
      maxLength: 32,
    },
  }),
] as const;
