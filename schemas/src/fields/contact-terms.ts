import * as z from 'zod';
import { defineField } from './define-field.ts';

// Kith's own section: the owner's contact terms. They travel with every grant
// and the vault enforces them in canContact(), so they are plain data a
// vendor's CRM can read without interpretation.

/** The ways a vendor may reach the owner. */
export const contactChannels = ['email', 'phone', 'sms', 'post', 'push'] as const;

/** One of {@link contactChannels}. */
export type ContactChannel = (typeof contactChannels)[number];

/** Each channel in the words a person uses. */
export const contactChannelLabels: Record<ContactChannel, string> = {
  email: 'Email',
  phone: 'Phone call',
  sms: 'Text message',
  post: 'Post',
  push: 'App notification',
};

export const contactChannelsSchema = z
  .array(z.enum(contactChannels))
  .min(1, { message: 'Choose at least one way to be contacted.' })
  .refine((channels) => new Set(channels).size === channels.length, {
    message: 'Each channel may appear only once.',
  })
  .meta({ uniqueItems: true });

/** A time of day, 24-hour `HH:MM`, as `<input type="time">` sends it. */
export const timeOfDaySchema = z
  .string()
  .trim()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, { message: 'Enter a time as HH:MM, 24-hour.' });

/**
 * A daily window in which the owner must not be contacted, in the owner's
 * `zoneinfo` (UTC when unset). `start` later than `end` wraps midnight:
 * 21:00–08:00 is the night. Equal ends would be ambiguous (nothing or all
 * day) and are refused.
 */
export const quietHoursSchema = z
  .strictObject({ start: timeOfDaySchema, end: timeOfDaySchema })
  .refine((hours) => hours.start !== hours.end, {
    message: 'Quiet hours must start and end at different times.',
    path: ['end'],
  });

export const contactTermsFields = [
  defineField({
    path: 'contact.channels',
    section: 'contact',
    label: 'Ways to contact you',
    description: 'The only ways vendors may reach you.',
    sensitivity: 'public',
    schema: contactChannelsSchema,
    ui: {
      kind: 'checkboxes',
      options: contactChannels.map((value) => ({ value, label: contactChannelLabels[value] })),
    },
  }),
  defineField({
    path: 'contact.quiet_hours',
    section: 'contact',
    label: 'Quiet hours',
    description: 'Each day, the hours when nobody may contact you, in your time zone.',
    sensitivity: 'public',
    schema: quietHoursSchema,
    ui: {
      kind: 'group',
      parts: [
        { name: 'start', label: 'From', kind: 'time', required: true },
        { name: 'end', label: 'Until', kind: 'time', required: true },
      ],
    },
  }),
  defineField({
    path: 'contact.max_per_week',
    section: 'contact',
    label: 'Contacts per week',
    description: 'The most times each vendor may contact you in any seven days. 0 means never.',
    sensitivity: 'public',
    schema: z.int().min(0).max(100),
    ui: { kind: 'number', inputMode: 'numeric', min: 0, max: 100, step: 1 },
  }),
  defineField({
    path: 'contact.no_marketing',
    section: 'contact',
    label: 'No marketing',
    description: 'Vendors may contact you about what you asked for, never to sell you more.',
    sensitivity: 'public',
    schema: z.boolean(),
    ui: { kind: 'checkbox' },
  }),
] as const;
