import * as z from 'zod';
import { defineField, line } from './define-field.ts';

/** Sizing systems for clothing; `INT` is letter sizes (XS, M, XXL). */
export const clothingSizeSystems = ['EU', 'UK', 'US', 'INT'] as const;

/** Sizing systems for shoes. */
export const shoeSizeSystems = ['EU', 'UK', 'US'] as const;

export const clothingSizeSchema = z.strictObject({
  system: z.enum(clothingSizeSystems),
  // Free text: clothing sizes are "M", "38", "10R", "32/34" across systems.
  size: line(8),
});

export const shoeSizeSchema = z.strictObject({
  system: z.enum(shoeSizeSystems),
  size: z.number().min(1).max(60).multipleOf(0.5, { message: 'Use whole or half sizes.' }),
});

const systemLabels = { EU: 'European', UK: 'British', US: 'American', INT: 'Letters (S, M, L)' } as const;

export const sizesFields = [
  defineField({
    path: 'sizes.clothing',
    section: 'sizes',
    label: 'Clothing size',
    description: 'Your usual clothing size and the system it is in.',
    sensitivity: 'personal',
    schema: clothingSizeSchema,
    ui: {
      kind: 'group',
      parts: [
        {
          name: 'system',
          label: 'System',
          kind: 'select',
          required: true,
          options: clothingSizeSystems.map((value) => ({ value, label: systemLabels[value] })),
        },
        { name: 'size', label: 'Size', kind: 'text', required: true, maxLength: 8 },
      ],
    },
  }),
  defineField({
    path: 'sizes.shoe',
    section: 'sizes',
    label: 'Shoe size',
    description: 'Your usual shoe size and the system it is in.',
    sensitivity: 'personal',
    schema: shoeSizeSchema,
    ui: {
      kind: 'group',
      parts: [
        {
          name: 'system',
          label: 'System',
          kind: 'select',
          required: true,
          options: shoeSizeSystems.map((value) => ({ value, label: systemLabels[value] })),
        },
        {
          name: 'size',
          label: 'Size',
          kind: 'number',
          inputMode: 'decimal',
          required: true,
          min: 1,
          max: 60,
          step: 0.5,
        },
      ],
    },
  }),
] as const;
