import * as z from 'zod';
import { aboutFields } from './fields/about.ts';
import { addressFields } from './fields/address.ts';
import { contactDetailsFields } from './fields/contact-details.ts';
import { contactTermsFields } from './fields/contact-terms.ts';
import { identityFields } from './fields/identity.ts';
import { preferencesFields } from './fields/preferences.ts';
import { sizesFields } from './fields/sizes.ts';

/**
 * The profile field catalogue, in display order: the OpenID Connect standard
 * claims first, under their OIDC names, then Kith's own sections under
 * dotted paths. A path is a wire name: never rename or reuse one.
 */
export const profileFields = [
  ...identityFields,
  ...contactDetailsFields,
  ...addressFields,
  ...aboutFields,
  ...contactTermsFields,
  ...sizesFields,
  ...preferencesFields,
] as const;

/** One entry of {@link profileFields}, with its literal path and schema type. */
export type ProfileField = (typeof profileFields)[number];

/** The path of a profile field: `'email'`, `'address'`, `'contact.channels'`… */
export type FieldPath = ProfileField['path'];

/** The stored value type of the field at path `P`. */
export type FieldValue<P extends FieldPath> = z.output<Extract<ProfileField, { path: P }>['schema']>;

/** A stored profile: every field optional, present only when set. */
export type ProfileValues = { [F in ProfileField as F['path']]?: z.output<F['schema']> };

/** A change to a profile: a field set to `null` is cleared, one left out is untouched. */
export type ProfilePatch = { [F in ProfileField as F['path']]?: z.output<F['schema']> | null };

type ValuesShape = { [F in ProfileField as F['path']]: z.ZodOptional<F['schema']> };
type PatchShape = { [F in ProfileField as F['path']]: z.ZodOptional<z.ZodNullable<F['schema']>> };

const fieldsByPath: ReadonlyMap<string, ProfileField> = new Map(
  profileFields.map((field) => [field.path, field]),
);

/**
 * Finds a catalogue entry by its path; `undefined` for a path Kith does not
 * know (the caller decides that means `UNKNOWN_FIELD`).
 *
 * @example
 * findProfileField('email')?.label // 'Email address'
 * findProfileField('shoe_size')    // undefined
 */
export function findProfileField(path: string): ProfileField | undefined {
  return fieldsByPath.get(path);
}

/**
 * Tells whether a string is a known field path.
 *
 * @example
 * isFieldPath('contact.channels') // true
 * isFieldPath('__proto__')        // false
 */
export function isFieldPath(path: string): path is FieldPath {
  return fieldsByPath.has(path);
}

/**
 * A stored profile, as a strict object: unknown keys fail with zod's
 * `unrecognized_keys` issue.
 */
export const profileValuesSchema = z.strictObject(
  Object.fromEntries(profileFields.map((field) => [field.path, field.schema.optional()])) as ValuesShape,
);

/**
 * A partial update of a profile. A key left out is untouched; `null` clears
 * the field. Unknown keys fail with zod's `unrecognized_keys` issue so the
 * server can answer `UNKNOWN_FIELD` rather than ignore a typo.
 */
export const profilePatchSchema = z.strictObject(
  Object.fromEntries(
    profileFields.map((field) => [field.path, field.schema.nullable().optional()]),
  ) as PatchShape,
);
