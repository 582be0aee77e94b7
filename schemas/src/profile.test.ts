import { describe, expect, it } from 'vitest';
import { exportDocumentSchema, profileViewSchema } from './profile.ts';

const view = {
  version: 3,
  updatedAt: '2025-06-15T12:00:00.000Z',
  fields: {
    email: { value: 'ada@example.com', version: 2, updatedAt: '2025-06-15T12:00:00.000Z' },
    'contact.channels': { value: ['email'], version: 1, updatedAt: '2025-06-01T08:30:00Z' },
  },
};

describe('profileViewSchema', () => {
  it('accepts a profile with some fields set', () => {
    expect(profileViewSchema.parse(view)).toEqual(view);
  });

  it('accepts a profile never written', () => {
    expect(profileViewSchema.parse({ version: 0, updatedAt: null, fields: {} })).toBeTruthy();
  });

  it("checks each value against its field's schema", () => {
    const bad = { ...view, fields: { email: { ...view.fields.email, value: 'not an email' } } };
    expect(profileViewSchema.safeParse(bad).error?.issues[0]?.path).toEqual(['fields', 'email', 'value']);
  });

  it('refuses unknown fields, nulls and malformed entries', () => {
    const entry = view.fields.email;
    for (const fields of [
      { shoe: entry },
      { email: null },
      { email: { ...entry, version: 0 } },
      { email: { ...entry, version: 1.5 } },
      { email: { ...entry, updatedAt: '2025-06-15' } },
      { email: { value: entry.value } },
      { email: { ...entry, extra: true } },
    ]) {
      expect(profileViewSchema.safeParse({ ...view, fields }).success, JSON.stringify(fields)).toBe(false);
    }
  });

  it('refuses a bad version or timestamp', () => {
    for (const v of [
      { ...view, version: -1 },
      { ...view, version: '3' },
      { ...view, updatedAt: 'yesterday' },
      { ...view, updatedAt: undefined },
    ]) {
      expect(profileViewSchema.safeParse(v).success).toBe(false);
    }
  });
});

describe('exportDocumentSchema', () => {
  const exported = {
    format: 'kith-export/1',
    exportedAt: '2025-06-15T12:00:00.000Z',
    owner: { id: 'own_1', createdAt: '2025-01-01T00:00:00.000Z' },
    profile: view,
  };

  it('accepts an export, with or without the reserved lists', () => {
    expect(exportDocumentSchema.parse(exported)).toEqual(exported);
    expect(exportDocumentSchema.parse({ ...exported, grants: [{ id: 'g1' }], accessLog: [] })).toBeTruthy();
  });

  it('refuses another format or a missing owner', () => {
    for (const v of [
      { ...exported, format: 'kith-export/2' },
      { ...exported, owner: undefined },
      { ...exported, owner: { id: '', createdAt: exported.exportedAt } },
      { ...exported, unexpected: 1 },
    ]) {
      expect(exportDocumentSchema.safeParse(v).success).toBe(false);
    }
  });
});
