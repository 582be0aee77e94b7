import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type * as z from 'zod';
import { profileSections } from './fields/define-field.ts';
import { fieldCases } from './profile-fields.cases.ts';
import {
  type FieldPath,
  type FieldValue,
  findProfileField,
  isFieldPath,
  type ProfileValues,
  profileFields,
  profilePatchSchema,
  profileValuesSchema,
} from './profile-fields.ts';

// A fixed clock: birthdate "not in the future" reads the date at parse time.
beforeAll(() => {
  vi.useFakeTimers({ now: new Date('2025-06-15T12:00:00Z'), toFake: ['Date'] });
});
afterAll(() => {
  vi.useRealTimers();
});

const paths = Object.keys(fieldCases) as FieldPath[];

describe('profile field catalogue', () => {
  it('has tests for exactly the fields it defines', () => {
    expect(paths.sort()).toEqual(profileFields.map((field) => field.path).sort());
  });

  it('uses each path once, with a known section, in section order', () => {
    expect(new Set(paths).size).toBe(profileFields.length);
    const sectionOrder = profileSections.map((section) => section.id);
    const seen = profileFields.map((field) => sectionOrder.indexOf(field.section));
    expect(seen).not.toContain(-1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('uses only OIDC names or dotted Kith paths', () => {
    for (const { path } of profileFields) expect(path).toMatch(/^[a-z_]+(?:\.[a-z_]+)?$/);
  });

  it('labels and describes every field and section in plain words', () => {
    for (const item of [...profileFields, ...profileSections]) {
      expect(item.label.length).toBeGreaterThan(0);
      expect(item.description).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('names in every group hint exactly the keys its value has', () => {
    for (const field of profileFields) {
      if (field.ui.kind !== 'group') continue;
      const shape = (field.schema as unknown as { shape?: Record<string, unknown> }).shape;
      const keys = Object.keys(shape ?? {}).filter((key) => key !== 'formatted');
      expect(field.ui.parts?.map((part) => part.name).sort(), field.path).toEqual(keys.sort());
    }
  });

  it('offers a choice list for every select and checkboxes control', () => {
    const controls = profileFields.flatMap((field) => [field.ui, ...(field.ui.parts ?? [])]);
    for (const ui of controls) {
      if (ui.kind === 'select' || ui.kind === 'checkboxes') expect(ui.options ?? ui.optionsFrom).toBeTruthy();
    }
  });
});

describe.each(paths)('field %s', (path) => {
  const field = findProfileField(path);
  const cases = fieldCases[path];

  it('accepts good values unchanged', () => {
    for (const v of cases.good) {
      const result = field?.schema.safeParse(v);
      expect(result?.error?.issues, JSON.stringify(v)).toBeUndefined();
      expect(result?.data).toEqual(v);
    }
  });

  it('normalises what people type', () => {
    for (const [input, stored] of cases.normalises ?? []) {
      expect(field?.schema.parse(input)).toEqual(stored);
    }
  });

  it('refuses bad values', () => {
    for (const v of cases.bad) {
      expect(field?.schema.safeParse(v).success, JSON.stringify(v)).toBe(false);
    }
  });
});

describe('birthdate', () => {
  const birthdate = findProfileField('birthdate')?.schema;

  it('accepts today in the earliest time zone and refuses the day after', () => {
    // 2025-06-15T12:00Z is already 2025-06-16 in UTC+14 (Kiribati).
    expect(birthdate?.safeParse('2025-06-16').success).toBe(true);
    expect(birthdate?.safeParse('2025-06-17').success).toBe(false);
  });

  it('reads the clock at parse time, not when the schema was built', () => {
    expect(birthdate?.safeParse('2026-01-01').success).toBe(false);
    vi.setSystemTime(new Date('2026-01-02T00:00:00Z'));
    try {
      expect(birthdate?.safeParse('2026-01-01').success).toBe(true);
    } finally {
      vi.setSystemTime(new Date('2025-06-15T12:00:00Z'));
    }
  });
});

describe('findProfileField and isFieldPath', () => {
  it('find a field by path', () => {
    expect(findProfileField('contact.channels')?.section).toBe('contact');
    expect(isFieldPath('sizes.shoe')).toBe(true);
  });

  it('know nothing of other names, including object prototype keys', () => {
    for (const v of [
      '',
      'Email',
      'shoe',
      'contact',
      'contact.',
      'address.country',
      '__proto__',
      'constructor',
      'toString',
    ]) {
      expect(findProfileField(v), v).toBeUndefined();
      expect(isFieldPath(v), v).toBe(false);
    }
  });
});

describe('profilePatchSchema', () => {
  it('accepts null to clear a field', () => {
    for (const path of paths) {
      expect(profilePatchSchema.parse({ [path]: null })).toEqual({ [path]: null });
    }
  });

  it('accepts an empty patch and several fields at once', () => {
    expect(profilePatchSchema.parse({})).toEqual({});
    expect(
      profilePatchSchema.parse({ email: 'Ada@Example.com', 'contact.max_per_week': 2, nickname: null }),
    ).toEqual({
      email: 'Ada@example.com',
      'contact.max_per_week': 2,
      nickname: null,
    });
  });

  it('refuses an unknown field with unrecognized_keys, naming it', () => {
    for (const key of ['shoe_size', 'Email', '__proto__', 'contact']) {
      const result = profilePatchSchema.safeParse(
        JSON.parse(`{"email":"a@example.com",${JSON.stringify(key)}:1}`),
      );
      expect(result.success, key).toBe(false);
      expect(result.error?.issues).toEqual([
        expect.objectContaining({ code: 'unrecognized_keys', keys: [key] }),
      ]);
    }
  });

  it('reports a bad value at its field path', () => {
    const result = profilePatchSchema.safeParse({ email: 'nope', 'contact.max_per_week': -1 });
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['email'], ['contact.max_per_week']]);
  });

  it('is not an array or a string', () => {
    for (const v of [null, [], 'email', 1, undefined])
      expect(profilePatchSchema.safeParse(v).success).toBe(false);
  });
});

describe('profileValuesSchema', () => {
  it('accepts a full profile of good values', () => {
    const values = Object.fromEntries(paths.map((path) => [path, fieldCases[path].good[0]]));
    expect(profileValuesSchema.parse(values)).toEqual(values);
  });

  it('refuses null: a stored profile leaves unset fields out', () => {
    expect(profileValuesSchema.safeParse({ email: null }).success).toBe(false);
  });

  it('refuses unknown fields', () => {
    expect(profileValuesSchema.safeParse({ shoe: 42 }).error?.issues[0]?.code).toBe('unrecognized_keys');
  });
});

describe('types', () => {
  it('derive literal paths and per-field value types from the catalogue', () => {
    // expectTypeOf is checked by `pnpm typecheck` only; at run time the values behind each type are checked.
    expect(isFieldPath('email')).toBe(true);
    expect(isFieldPath('shoe_size')).toBe(false);
    const shoe = findProfileField('sizes.shoe')?.schema;
    expect(shoe?.safeParse({ system: 'EU', size: 42 }).success).toBe(true);
    expect(shoe?.safeParse({ system: 'FR', size: 42 }).success).toBe(false);
    const channels = findProfileField('contact.channels')?.schema;
    expect(channels?.safeParse(['email', 'phone', 'sms', 'post', 'push']).success).toBe(true);
    expect(channels?.safeParse(['fax']).success).toBe(false);
    expect(profilePatchSchema.safeParse({ email: null }).success).toBe(true);
    expect(profileValuesSchema.safeParse({ email: null }).success).toBe(false);
    expectTypeOf<FieldPath>().toEqualTypeOf<(typeof profileFields)[number]['path']>();
    expectTypeOf<'email'>().toExtend<FieldPath>();
    expectTypeOf<'shoe_size'>().not.toExtend<FieldPath>();
    expectTypeOf<FieldValue<'sizes.shoe'>>().toEqualTypeOf<{ system: 'EU' | 'UK' | 'US'; size: number }>();
    expectTypeOf<FieldValue<'contact.channels'>>().toEqualTypeOf<
      ('email' | 'phone' | 'sms' | 'post' | 'push')[]
    >();
    expectTypeOf<ProfileValues['email']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<z.output<typeof profilePatchSchema>['email']>().toEqualTypeOf<string | null | undefined>();
  });
});
