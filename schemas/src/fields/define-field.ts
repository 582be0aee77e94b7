import * as z from 'zod';

/**
 * How careful a vault and a vendor must be with a field's value.
 *
 * - `public`: the owner commonly shows it to anyone (a nickname, a web site).
 * - `personal`: identifies or reaches the owner (names, email, address).
 * - `sensitive`: may reveal health, religion or similar special categories
 *   (GDPR Art. 9) or is free text that could hold anything; approval screens
 *   call these out.
 */
export const sensitivityLevels = ['public', 'personal', 'sensitive'] as const;

/** One of {@link sensitivityLevels}. */
export type Sensitivity = (typeof sensitivityLevels)[number];

/** The HTML control a server-rendered form uses for a field or a part of one. */
export type FieldUiKind =
  | 'text'
  | 'email'
  | 'tel'
  | 'date'
  | 'time'
  | 'url'
  | 'textarea'
  | 'select'
  | 'checkbox'
  | 'checkboxes'
  | 'number'
  | 'group';

/** A choice in a `select` or `checkboxes` control. */
export interface FieldUiOption {
  readonly value: string;
  readonly label: string;
}

/**
 * A hint for a form editor that works without JavaScript: every kind maps to
 * a plain HTML control, and `group` renders a `<fieldset>` of `parts`.
 */
export interface FieldUi {
  readonly kind: FieldUiKind;
  /** Choices for `select` / `checkboxes`. */
  readonly options?: readonly FieldUiOption[];
  /**
   * Choices too long or too runtime-dependent to list here; the renderer
   * fills them: `countries` from `countryCodes` (names via `Intl.DisplayNames`),
   * `timeZones` from `listTimeZones()`.
   */
  readonly optionsFrom?: 'countries' | 'timeZones';
  /** For `checkboxes`: also offer a free-text input for values not listed. */
  readonly allowOther?: boolean;
  /** HTML `inputmode`. */
  readonly inputMode?: 'text' | 'email' | 'tel' | 'url' | 'numeric' | 'decimal';
  /** HTML autocomplete tokens (WHATWG HTML §4.10.18.7.1). */
  readonly autocomplete?: string;
  readonly placeholder?: string;
  readonly maxLength?: number;
  readonly rows?: number;
  readonly min?: number | string;
  readonly max?: number | string;
  readonly step?: number;
  /** For `group`: the parts of the value object, in display order. */
  readonly parts?: readonly FieldUiPart[];
}

/** One input inside a `group` field; `name` is the key in the value object. */
export interface FieldUiPart extends Omit<FieldUi, 'parts'> {
  readonly name: string;
  readonly label: string;
  readonly required?: boolean;
}

/** The sections a profile is shown in, in display order. */
export const profileSections = [
  {
    id: 'identity',
    label: 'Your name',
    description: 'What you are called, formally and informally.',
  },
  {
    id: 'contact_details',
    label: 'Contact details',
    description: 'The email address and phone number vendors may use to reach you.',
  },
  {
    id: 'address',
    label: 'Postal address',
    description: 'Where post and deliveries should go.',
  },
  {
    id: 'about',
    label: 'About you',
    description: 'Your date of birth, language, time zone, web site and picture.',
  },
  {
    id: 'contact',
    label: 'Contact terms',
    description: 'How, when and how often vendors may contact you. These travel with every grant.',
  },
  {
    id: 'sizes',
    label: 'Sizes',
    description: 'Clothing and shoe sizes, for shops you choose to tell.',
  },
  {
    id: 'preferences',
    label: 'Preferences',
    description: 'How you like to be addressed and looked after.',
  },
] as const satisfies readonly { id: string; label: string; description: string }[];

/** The id of one of {@link profileSections}. */
export type ProfileSectionId = (typeof profileSections)[number]['id'];

/** A profile section: its id, a label and a sentence for the owner. */
export type ProfileSection = (typeof profileSections)[number];

/** One entry of the profile field catalogue. */
export interface ProfileFieldDefinition<P extends string = string, S extends z.ZodType = z.ZodType> {
  /** Stable wire name; never renamed once published. */
  readonly path: P;
  readonly section: ProfileSectionId;
  /** Plain words for the owner. */
  readonly label: string;
  readonly description: string;
  readonly sensitivity: Sensitivity;
  /** Validates and normalises one value (trims, lower-cases email domains…). */
  readonly schema: S;
  readonly ui: FieldUi;
}

/**
 * Declares a catalogue entry, keeping its path literal and its schema type.
 * The label and description are copied into the schema's metadata so the
 * generated JSON Schema is self-describing.
 */
export function defineField<const P extends string, S extends z.ZodType>(
  field: ProfileFieldDefinition<P, S>,
): ProfileFieldDefinition<P, S> {
  return {
    ...field,
    // `.meta()` replaces rather than merges, so keep what the schema carried.
    schema: field.schema.meta({
      ...field.schema.meta(),
      title: field.label,
      description: field.description,
    }) as S,
  };
}

/**
 * A trimmed, non-empty, single-line string. Newlines are refused because
 * these values end up in headers, labels and CSV exports.
 */
export function line(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\r\n]*$/, { message: 'Must be a single line.' });
}

/** A trimmed, non-empty string that may span lines. */
export function text(max: number) {
  return z.string().trim().min(1).max(max);
}
