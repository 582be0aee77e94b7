import * as z from 'zod';
import { conductRecordSchema } from './conduct.ts';
import { type FieldPath, type ProfileField, profileFields } from './profile-fields.ts';

/** An instant as RFC 3339 / ISO 8601 with a zone, e.g. `2025-01-31T12:00:00.000Z`. */
export const timestampSchema = z.iso.datetime({ offset: true });

type FieldEntrySchema<S extends z.ZodType> = z.ZodObject<
  { value: S; version: z.ZodInt; updatedAt: z.ZodISODateTime },
  z.core.$strict
>;

/** How one field is stored: its value, its own version and when it last changed. */
function fieldEntrySchema<S extends z.ZodType>(value: S): FieldEntrySchema<S> {
  return z.strictObject({
    value,
    // Bumped on every change of this field; vendors compare it to skip re-reads.
    version: z.int().min(1),
    updatedAt: timestampSchema,
  });
}

type FieldEntriesShape = {
  [F in ProfileField as F['path']]: z.ZodOptional<FieldEntrySchema<F['schema']>>;
};

/**
 * The set fields of a profile, keyed by path; a field that is not set is
 * absent (never `null`). Each value is checked against its own field schema.
 */
export const profileFieldEntriesSchema = z.strictObject(
  Object.fromEntries(
    profileFields.map((field) => [field.path, fieldEntrySchema(field.schema).optional()]),
  ) as FieldEntriesShape,
);

/**
 * The owner's profile as the owner API returns it. `version` counts every
 * change to any field (it backs the `ETag`); `updatedAt` is `null` for a
 * profile never written.
 */
export const profileViewSchema = z.strictObject({
  version: z.int().min(0),
  updatedAt: timestampSchema.nullable(),
  fields: profileFieldEntriesSchema,
});

/** The owner's profile as the owner API returns it. */
export type ProfileView = z.output<typeof profileViewSchema>;

/** One set field in a {@link ProfileView}. */
export type ProfileFieldEntry<P extends FieldPath = FieldPath> = NonNullable<ProfileView['fields'][P]>;

/** The format tag of an export document; bumped on any breaking change. */
export const exportFormat = 'kith-export/1';

/**
 * Everything an owner can take away from their vault. `grants` and
 * `accessLog` are reserved: their entries are owned by the grants and audit
 * domains and are typed loosely here until those wire shapes are settled,
 * which will not need a new format tag since readers already accept them.
 */
export const exportDocumentSchema = z.strictObject({
  format: z.literal(exportFormat),
  exportedAt: timestampSchema,
  owner: z.strictObject({
    id: z.string().min(1),
    createdAt: timestampSchema,
  }),
  profile: profileViewSchema,
  grants: z.array(z.unknown()).optional(),
  accessLog: z.array(z.unknown()).optional(),
  /** One conduct record per vendor the owner ever granted (see `conductRecordSchema`). */
  conduct: z.array(conductRecordSchema).optional(),
});

/** An owner's export document. */
export type ExportDocument = z.output<typeof exportDocumentSchema>;
