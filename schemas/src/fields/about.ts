import * as z from 'zod';
import { defineField } from './define-field.ts';

/** The earliest birthdate accepted; anything before is a typing slip. */
export const earliestBirthdate = '1900-01-01';

/**
 * Today's date as YYYY-MM-DD in the earliest time zone on Earth (UTC+14), so
 * that someone born today anywhere is never told their birthdate is in the
 * future. Read at parse time: a schema built once must not freeze the date.
 */
function latestBirthdate(now: Date): string {
  return new Date(now.getTime() + 14 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/**
 * A birthdate, YYYY-MM-DD (OIDC `birthdate`, ISO 8601). It must be a real
 * calendar date, not before 1900 and not in the future. OIDC's year-less
 * `0000-MM-DD` form is not accepted.
 */
export const birthdateSchema = z
  .string()
  .trim()
  .pipe(
    z.iso
      .date({ message: 'Enter a real date as YYYY-MM-DD.' })
      // ISO dates of equal length compare correctly as strings.
      .refine((date) => date >= earliestBirthdate, { message: 'Enter a date from 1900 onwards.' })
      .refine((date) => date <= latestBirthdate(new Date()), {
        message: 'A birthdate cannot be in the future.',
      }),
  );

/**
 * A BCP 47 language tag (RFC 5646): language, optional script, region and
 * variants, e.g. `en-GB`, `zh-Hant-TW`. Extensions (`-u-…`) are refused;
 * a profile needs none. Stored in canonical case (`en-gb` → `en-GB`).
 */
export const localeSchema = z
  .string()
  .trim()
  .max(35)
  .regex(
    /^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*$/,
    {
      message: 'Enter a language tag like en-GB.',
    },
  )
  .overwrite((tag) => canonicalLocale(tag) ?? tag)
  .refine((tag) => canonicalLocale(tag) === tag, { message: 'Enter a language tag like en-GB.' });

/** The runtime's canonical form of a tag, or undefined if it refuses it. */
function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

let knownTimeZones: ReadonlySet<string> | undefined;

/**
 * Every IANA time zone the runtime knows, plus `UTC`, which V8 leaves out of
 * `Intl.supportedValuesOf`. Sorted; computed once.
 *
 * @example
 * listTimeZones().includes('Europe/London') // true
 */
export function listTimeZones(): readonly string[] {
  if (!knownTimeZones) {
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    knownTimeZones = new Set([...zones, 'UTC'].sort());
  }
  return [...knownTimeZones];
}

/**
 * Tells whether a string names an IANA time zone. Links such as
 * `Asia/Kolkata` count even where the runtime's list holds only the old
 * name (`Asia/Calcutta`); the case must be exact.
 */
export function isTimeZone(value: string): boolean {
  listTimeZones();
  if (knownTimeZones?.has(value)) return true;
  if (!/^[A-Z][A-Za-z_-]*(?:\/[A-Z0-9][A-Za-z0-9_+-]*)+$/.test(value)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
    return knownTimeZones?.has(resolved) ?? false;
  } catch {
    return false;
  }
}

/** An IANA time zone name (OIDC `zoneinfo`), e.g. `Europe/London`. */
export const zoneinfoSchema = z
  .string()
  .trim()
  .max(64)
  .refine(isTimeZone, { message: 'Choose a time zone like Europe/London.' });

export const aboutFields = [
  defineField({
    path: 'birthdate',
    section: 'about',
    label: 'Date of birth',
    description: 'The day you were born, as year, month and day.',
    sensitivity: 'personal',
    schema: birthdateSchema,
    ui: { kind: 'date', autocomplete: 'bday', min: earliestBirthdate },
  }),
  defineField({
    path: 'locale',
    section: 'about',
    label: 'Language',
    description: 'The language and region you prefer, as a tag like en-GB.',
    sensitivity: 'public',
    schema: localeSchema,
    ui: { kind: 'text', autocomplete: 'language', placeholder: 'en-GB', maxLength: 35 },
  }),
  defineField({
    path: 'zoneinfo',
    section: 'about',
    label: 'Time zone',
    description: 'Where your clock is set, so quiet hours are kept in your time.',
    sensitivity: 'public',
    schema: zoneinfoSchema,
    ui: { kind: 'select', optionsFrom: 'timeZones' },
  }),
  defineField({
    path: 'website',
    section: 'about',
    label: 'Web site',
    description: 'A web page about you or your work.',
    sensitivity: 'public',
    schema: z
      .string()
      .trim()
      .pipe(
        z
          .httpUrl({ message: 'Enter a web address starting with https://.' })
          .max(2048)
          // Repeats what httpUrl checks, so JSON Schema readers see it too;
          // the regex displaces zod's `format`, which meta puts back.
          .regex(/^https?:\/\//)
          .meta({ format: 'uri' }),
      ),
    ui: { kind: 'url', inputMode: 'url', autocomplete: 'url', placeholder: 'https://', maxLength: 2048 },
  }),
  defineField({
    path: 'picture',
    section: 'about',
    label: 'Picture',
    description: 'The address of a picture of you that vendors may show.',
    sensitivity: 'public',
    schema: z
      .string()
      .trim()
      // https only: a vendor page embedding an http picture would leak who is looking.
      .pipe(
        z
          .url({ protocol: /^https$/, message: 'Enter a picture address starting with https://.' })
          .max(2048)
          .regex(/^https:\/\//)
          .meta({ format: 'uri' }),
      ),
    ui: { kind: 'url', inputMode: 'url', autocomplete: 'photo', placeholder: 'https://', maxLength: 2048 },
  }),
] as const;
