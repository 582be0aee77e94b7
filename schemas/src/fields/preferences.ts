import * as z from 'zod';
import { defineField, line, text } from './define-field.ts';

/**
 * Dietary needs with a shared meaning, so a vendor can act on them without
 * reading prose. Owners may also add their own short entries ("no
 * mushrooms"); see {@link dietaryNeedsSchema}.
 */
export const dietaryNeedCodes = [
  'vegetarian',
  'vegan',
  'pescatarian',
  'halal',
  'kosher',
  'gluten_free',
  'lactose_free',
  'nut_allergy',
  'peanut_allergy',
  'shellfish_allergy',
] as const;

/** One of {@link dietaryNeedCodes}. */
export type DietaryNeedCode = (typeof dietaryNeedCodes)[number];

const dietaryNeedLabels: Record<DietaryNeedCode, string> = {
  vegetarian: 'Vegetarian',
  vegan: 'Vegan',
  pescatarian: 'Pescatarian',
  halal: 'Halal',
  kosher: 'Kosher',
  gluten_free: 'Gluten-free',
  lactose_free: 'Lactose-free',
  nut_allergy: 'Nut allergy',
  peanut_allergy: 'Peanut allergy',
  shellfish_allergy: 'Shellfish allergy',
};

/**
 * Maps "Gluten-free", "gluten free" or "GLUTEN_FREE" to the code, so one need
 * is stored one way; anything else is kept as the owner wrote it.
 */
function toDietaryNeedCode(entry: string): string {
  const key = entry.toLowerCase().replace(/[\s-]+/g, '_');
  return (dietaryNeedCodes as readonly string[]).includes(key) ? key : entry;
}

/**
 * Dietary needs: a list of up to 20 entries, each either a code from
 * {@link dietaryNeedCodes} or the owner's own words (one line, at most 60
 * characters). Known needs typed in words are stored as their code.
 * Entries must be distinct, ignoring case.
 */
export const dietaryNeedsSchema = z
  .array(line(60).overwrite(toDietaryNeedCode))
  .min(1)
  .max(20)
  .refine((needs) => new Set(needs.map((need) => need.toLowerCase())).size === needs.length, {
    message: 'Each dietary need may appear only once.',
  })
  .meta({ uniqueItems: true });

export const preferencesFields = [
  defineField({
    path: 'preferences.preferred_name',
    section: 'preferences',
    label: 'What to call you',
    description: 'The name you like people to use when they speak or write to you.',
    sensitivity: 'personal',
    schema: line(100),
    ui: { kind: 'text', autocomplete: 'nickname', maxLength: 100 },
  }),
  defineField({
    path: 'preferences.pronouns',
    section: 'preferences',
    label: 'Pronouns',
    description: 'How to refer to you, for example she/her, he/him or they/them.',
    sensitivity: 'personal',
    schema: line(40),
    ui: { kind: 'text', placeholder: 'they/them', maxLength: 40 },
  }),
  defineField({
    path: 'preferences.accessibility_needs',
    section: 'preferences',
    label: 'Accessibility needs',
    description: 'Anything that helps vendors serve you well, such as step-free access or large print.',
    sensitivity: 'sensitive',
    schema: text(1000),
    ui: { kind: 'textarea', rows: 4, maxLength: 1000 },
  }),
  defineField({
    path: 'preferences.dietary_needs',
    section: 'preferences',
    label: 'Dietary needs',
    description: 'What you cannot or do not eat. Tick any that apply and add your own.',
    sensitivity: 'sensitive',
    schema: dietaryNeedsSchema,
    ui: {
      kind: 'checkboxes',
      allowOther: true,
      maxLength: 60,
      options: dietaryNeedCodes.map((value) => ({ value, label: dietaryNeedLabels[value] })),
    },
  }),
  defineField({
    path: 'preferences.notes_for_vendors',
    section: 'preferences',
    label: 'Notes for vendors',
    description: 'Anything else you would like vendors to know. Do not put passwords or card numbers here.',
    // Free text may hold anything, so it is treated as sensitive.
    sensitivity: 'sensitive',
    schema: text(1000),
    ui: { kind: 'textarea', rows: 5, maxLength: 1000 },
  }),
] as const;
