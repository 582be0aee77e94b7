// @kith/schemas: the wire shapes shared by the Kith server and @kith/client.
// No `node:` imports anywhere under src/: vendors run this on Deno, Bun and
// edge runtimes.

export * from './agreement-listings.ts';
export * from './conduct.ts';
export * from './contact.ts';
export {
  /**
   * Every error code, in declaration order.
   * @example
   * allErrorCodes.includes('NOT_FOUND') // true
   */
  allErrorCodes,
  type ErrorCode,
  /**
   * Every error code with its HTTP status and title.
   * @example
   * errorCodes.GRANT_REVOKED.status // 401
   */
  errorCodes,
  /**
   * Tells whether a value is a Kith error code.
   * @example
   * isErrorCode('NOT_FOUND') // true
   */
  isErrorCode,
  /**
   * The RFC 9457 `type` URI of a code.
   * @example
   * problemType('GRANT_REVOKED') // 'urn:kith:problem:grant-revoked'
   */
  problemType,
} from './error-codes.ts';
export * from './events.ts';
export {
  /**
   * A birthdate: a real YYYY-MM-DD date from 1900 up to today.
   * @example
   * birthdateSchema.safeParse('2023-02-30').success // false
   */
  birthdateSchema,
  /**
   * Tells whether a string names an IANA time zone.
   * @example
   * isTimeZone('Europe/London') // true
   */
  isTimeZone,
  /**
   * Every IANA time zone the runtime knows, plus `UTC`.
   * @example
   * listTimeZones().includes('UTC') // true
   */
  listTimeZones,
  /**
   * A BCP 47 language tag, stored in canonical case.
   * @example
   * localeSchema.parse('en-gb') // 'en-GB'
   */
  localeSchema,
  /**
   * An IANA time zone name.
   * @example
   * zoneinfoSchema.parse('Europe/London')
   */
  zoneinfoSchema,
} from './fields/about.ts';
export {
  /**
   * A postal address (OIDC `address`).
   * @example
   * addressSchema.parse({ locality: 'Leeds', country: 'gb' }) // { locality: 'Leeds', country: 'GB' }
   */
  addressSchema,
} from './fields/address.ts';
export {
  /**
   * An email address with its domain lower-cased.
   * @example
   * emailSchema.parse(' Ada@Example.COM ') // 'Ada@example.com'
   */
  emailSchema,
  /**
   * An E.164 phone number; separators people type are removed.
   * @example
   * phoneNumberSchema.parse('+44 7700 900123') // '+447700900123'
   */
  phoneNumberSchema,
} from './fields/contact-details.ts';
export {
  type ContactChannel,
  /**
   * Each contact channel in the words a person uses.
   * @example
   * contactChannelLabels.sms // 'Text message'
   */
  contactChannelLabels,
  /**
   * The ways a vendor may reach the owner.
   * @example
   * contactChannels // ['email', 'phone', 'sms', 'post', 'push']
   */
  contactChannels,
  /**
   * Daily quiet hours; `start` after `end` wraps midnight.
   * @example
   * quietHoursSchema.parse({ start: '21:00', end: '08:00' })
   */
  quietHoursSchema,
} from './fields/contact-terms.ts';
export {
  type CountryCode,
  /**
   * The officially assigned ISO 3166-1 alpha-2 codes.
   * @example
   * countryCodes.includes('GB') // true
   */
  countryCodes,
} from './fields/country-codes.ts';
export {
  type FieldUi,
  type FieldUiKind,
  type FieldUiOption,
  type FieldUiPart,
  type ProfileFieldDefinition,
  type ProfileSection,
  type ProfileSectionId,
  /**
   * The sections a profile is shown in, in display order.
   * @example
   * profileSections[0].id // 'identity'
   */
  profileSections,
  type Sensitivity,
  /**
   * The sensitivity levels of a field, least to most careful.
   * @example
   * sensitivityLevels // ['public', 'personal', 'sensitive']
   */
  sensitivityLevels,
} from './fields/define-field.ts';
export {
  type DietaryNeedCode,
  /**
   * Dietary needs with a shared meaning; owners may add their own words too.
   * @example
   * dietaryNeedCodes.includes('gluten_free') // true
   */
  dietaryNeedCodes,
} from './fields/preferences.ts';
export * from './grants.ts';
export * from './owner-grants.ts';
export {
  type Problem,
  type ProblemError,
  /**
   * One validation failure inside a problem document.
   * @example
   * problemErrorSchema.parse({ path: '/email', code: 'invalid_format', message: 'Enter an email address.' })
   */
  problemErrorSchema,
  /**
   * An RFC 9457 problem document with a Kith error code.
   * @example
   * problemSchema.parse({ type: 'urn:kith:problem:not-found', title: 'Nothing is here.', status: 404, code: 'NOT_FOUND' })
   */
  problemSchema,
} from './problem.ts';
export {
  type ExportDocument,
  /**
   * An owner's export document (`format: 'kith-export/1'`).
   * @example
   * exportDocumentSchema.shape.format.value // 'kith-export/1'
   */
  exportDocumentSchema,
  /**
   * The format tag of an export document.
   * @example
   * exportFormat // 'kith-export/1'
   */
  exportFormat,
  type ProfileFieldEntry,
  type ProfileView,
  /**
   * The owner's profile as the owner API returns it.
   * @example
   * profileViewSchema.parse({ version: 0, updatedAt: null, fields: {} })
   */
  profileViewSchema,
  /**
   * An RFC 3339 instant with a zone.
   * @example
   * timestampSchema.parse('2025-01-31T12:00:00.000Z')
   */
  timestampSchema,
} from './profile.ts';
export {
  type FieldPath,
  type FieldValue,
  /**
   * Finds a catalogue entry by path; `undefined` if Kith does not know it.
   * @example
   * findProfileField('email')?.sensitivity // 'personal'
   */
  findProfileField,
  /**
   * Tells whether a string is a known field path.
   * @example
   * isFieldPath('sizes.shoe') // true
   */
  isFieldPath,
  type ProfileField,
  type ProfilePatch,
  type ProfileValues,
  /**
   * The profile field catalogue, in display order.
   * @example
   * profileFields.map((field) => field.path) // ['name', 'given_name', …]
   */
  profileFields,
  /**
   * A partial profile update: `null` clears a field; unknown keys fail with `unrecognized_keys`.
   * @example
   * profilePatchSchema.parse({ email: 'Ada@Example.COM', nickname: null })
   * // { email: 'Ada@example.com', nickname: null }
   */
  profilePatchSchema,
  /**
   * A stored profile: set fields only, never `null`.
   * @example
   * profileValuesSchema.parse({ 'contact.channels': ['email'] })
   */
  profileValuesSchema,
} from './profile-fields.ts';
export * from './purposes.ts';
export * from './relationships.ts';
export * from './terms.ts';
export * from './vendor-keys.ts';
