import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { profileFields } from '../src/profile-fields.ts';
import { generateJsonDocuments, serializeJsonDocument } from './json-schemas.ts';

const jsonDir = new URL('../json/', import.meta.url);
const generated = generateJsonDocuments();

describe('schemas/json', () => {
  // If this fails, run: node_modules/.bin/tsx schemas/scripts/build-json-schemas.ts
  it('holds exactly the generated files, up to date with the zod definitions', () => {
    const onDisk = readdirSync(jsonDir).filter((name) => name.endsWith('.json'));
    expect(onDisk.sort()).toEqual(Object.keys(generated).sort());
    for (const [name, value] of Object.entries(generated)) {
      expect(readFileSync(new URL(name, jsonDir), 'utf8'), name).toBe(serializeJsonDocument(value));
    }
  });

  it('publishes each schema as draft 2020-12 with a Kith URN and a title', () => {
    for (const [name, doc] of Object.entries(generated)) {
      expect(doc.$id, name).toMatch(/^urn:kith:(schema|data):[a-z-]+$/);
      expect(doc.title, name).toEqual(expect.any(String));
      if (name.endsWith('.schema.json'))
        expect(doc.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });

  it('gives every field a real JSON Schema, not an empty one', () => {
    const catalogue = generated['profile-fields.json'] as {
      fields: { path: string; schema: Record<string, unknown> }[];
    };
    expect(catalogue.fields.map((field) => field.path)).toEqual(profileFields.map((field) => field.path));
    for (const { path, schema } of catalogue.fields) {
      expect(schema.type, path).toMatch(/^(string|integer|number|boolean|array|object)$/);
      expect(schema.title, path).toEqual(expect.any(String));
    }
  });

  it('closes the patch to unknown fields and lets null clear one', () => {
    const patch = generated['profile-patch.schema.json'] as {
      additionalProperties: unknown;
      properties: Record<string, { anyOf?: unknown[] }>;
    };
    expect(patch.additionalProperties).toBe(false);
    expect(Object.keys(patch.properties)).toEqual(profileFields.map((field) => field.path));
    for (const [path, property] of Object.entries(patch.properties)) {
      expect(property.anyOf, path).toContainEqual({ type: 'null' });
    }
  });

  it('carries the address rule zod cannot translate', () => {
    const catalogue = generated['profile-fields.json'] as {
      fields: { path: string; schema: Record<string, unknown> }[];
    };
    const address = catalogue.fields.find((field) => field.path === 'address')?.schema;
    expect(address?.anyOf).toEqual([{ required: ['street_address'] }, { required: ['locality'] }]);
  });
});
