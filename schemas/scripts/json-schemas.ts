import * as z from 'zod';
import { profileSections } from '../src/fields/define-field.ts';
import { problemSchema } from '../src/problem.ts';
import { exportDocumentSchema, profileViewSchema } from '../src/profile.ts';
import { profileFields, profilePatchSchema, profileValuesSchema } from '../src/profile-fields.ts';

// Builds every published JSON document from the zod definitions, in memory.
// Kept apart from the script that writes them so the drift test can compare
// without touching the disk, and free of `node:` so it runs anywhere.

/** A generated JSON document, keyed by its file name under `schemas/json/`. */
export type JsonDocuments = Record<string, Record<string, unknown>>;

function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  // Refinements (at least one address line, unique channels, birthdate not in
  // the future…) have no JSON Schema form; 'any' keeps generation going, and
  // the tests check no field came out as an empty schema.
  return z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}

function document(
  name: string,
  title: string,
  description: string,
  schema: z.ZodType,
): [string, Record<string, unknown>] {
  const { $schema, ...body } = toJsonSchema(schema);
  return [`${name}.schema.json`, { $schema, $id: `urn:kith:schema:${name}`, title, description, ...body }];
}

/**
 * Every JSON document Kith publishes, by file name.
 *
 * @example
 * generateJsonDocuments()['problem.schema.json'].$id // 'urn:kith:schema:problem'
 */
export function generateJsonDocuments(): JsonDocuments {
  return Object.fromEntries([
    document(
      'profile-patch',
      'Kith profile patch',
      'A partial update of a profile: a field left out is untouched, null clears it.',
      // Output mode: the schema states the normalised form (trimmed, E.164
      // without spaces, upper-case country). The server also accepts the
      // looser input it normalises, so anything valid here is accepted.
      profilePatchSchema,
    ),
    document(
      'profile-values',
      'Kith profile values',
      'A stored profile: every field optional, present only when set.',
      profileValuesSchema,
    ),
    document(
      'profile-view',
      'Kith profile view',
      "The owner's profile as the owner API returns it, with per-field versions.",
      profileViewSchema,
    ),
    document(
      'export',
      'Kith export document',
      'Everything an owner can take away from their vault.',
      exportDocumentSchema,
    ),
    document(
      'problem',
      'Kith problem document',
      'An RFC 9457 problem document with a Kith error code.',
      problemSchema,
    ),
    [
      'profile-fields.json',
      {
        $id: 'urn:kith:data:profile-fields',
        title: 'Kith profile field catalogue',
        description: 'Every profile field Kith knows, in display order, with the JSON Schema of its value.',
        sections: profileSections,
        fields: profileFields.map((field) => {
          const { $schema: _, ...schema } = toJsonSchema(field.schema);
          return {
            path: field.path,
            section: field.section,
            label: field.label,
            description: field.description,
            sensitivity: field.sensitivity,
            schema,
          };
        }),
      },
    ],
  ]);
}

/** How a document is written to disk: two-space JSON and a final newline. */
export function serializeJsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
