import { defineField, line } from './define-field.ts';

// OpenID Connect Core 1.0 §5.1 standard claims, under their OIDC names so a
// vendor's existing OIDC mapping reads them unchanged.

export const identityFields = [
  defineField({
    path: 'name',
    section: 'identity',
    label: 'Full name',
    description: 'Your whole name as you would write it, for example on a parcel.',
    sensitivity: 'personal',
    schema: line(200),
    ui: { kind: 'text', autocomplete: 'name', maxLength: 200 },
  }),
  defineField({
    path: 'given_name',
    section: 'identity',
    label: 'Given name',
    description: 'Your first name or names.',
    sensitivity: 'personal',
    schema: line(100),
    ui: { kind: 'text', autocomplete: 'given-name', maxLength: 100 },
  }),
  defineField({
    path: 'family_name',
    section: 'identity',
    label: 'Family name',
    description: 'Your surname or last name.',
    sensitivity: 'personal',
    schema: line(100),
    ui: { kind: 'text', autocomplete: 'family-name', maxLength: 100 },
  }),
  defineField({
    path: 'middle_name',
    section: 'identity',
    label: 'Middle name',
    description: 'Any middle names, if you use them.',
    sensitivity: 'personal',
    schema: line(100),
    ui: { kind: 'text', autocomplete: 'additional-name', maxLength: 100 },
  }),
  defineField({
    path: 'nickname',
    section: 'identity',
    label: 'Nickname',
    description: 'A casual name you go by.',
    sensitivity: 'public',
    schema: line(100),
    ui: { kind: 'text', autocomplete: 'nickname', maxLength: 100 },
  }),
  defineField({
    path: 'preferred_username',
    section: 'identity',
    label: 'Username',
    description: 'The short name you like to use on web sites.',
    sensitivity: 'public',
    // OIDC allows any JSON string here; whitespace inside a username is
    // refused because sites that take it would reject it anyway.
    schema: line(64).regex(/^\S+$/, { message: 'Must not contain spaces.' }),
    ui: { kind: 'text', autocomplete: 'username', maxLength: 64 },
  }),
] as const;
