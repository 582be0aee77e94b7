import {
  countryCodes,
  type FieldUi,
  listTimeZones,
  type ProfileField,
  type ProfilePatch,
  type ProfileView,
  profileFields,
} from '@kith/schemas';
import type { FieldIssue } from '../http/kith-error.ts';

/** What a profile form shows: every control's current text, keyed by input name. */
export type FormValues = Record<string, string | string[]>;

/** Validation messages per field path, and per part as `path.part`. */
export type FormErrors = Record<string, string[]>;

/** The input name of a field's part (`address.locality`); a field's own name is its path. */
export function partName(path: string, part: string): string {
  return `${path}.${part}`;
}

/** The form's `id` for an input, safe in a URL fragment. */
export function inputId(name: string): string {
  return `f-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
}

/** The stored profile as form values, for every field or only `fields`. */
export function profileToFormValues(
  profile: ProfileView,
  fields: readonly ProfileField[] = profileFields,
): FormValues {
  const values: FormValues = {};
  const stored = profile.fields as Record<string, { value: unknown } | undefined>;
  for (const field of fields) {
    const value = stored[field.path]?.value;
    if (value === undefined) continue;
    const ui: FieldUi = field.ui;
    if (ui.kind === 'group' && value && typeof value === 'object') {
      for (const part of ui.parts ?? []) {
        const partValue = (value as Record<string, unknown>)[part.name];
        if (partValue !== undefined) values[partName(field.path, part.name)] = String(partValue);
      }
    } else if (ui.kind === 'checkboxes' && Array.isArray(value)) {
      const known = new Set((ui.options ?? []).map((o) => o.value));
      values[field.path] = value.filter((v) => known.has(String(v))).map(String);
      if (ui.allowOther)
        values[`${field.path}.other`] = value.filter((v) => !known.has(String(v))).join(', ');
    } else if (ui.kind === 'checkbox') {
      if (value === true) values[field.path] = 'on';
    } else {
      values[field.path] = String(value);
    }
  }
  return values;
}

/**
 * Turns a submitted form for `fields` (one section of the editor) into a
 * profile patch and the values to show again; other fields are left out.
 * An emptied control clears its field; a group whose parts are all empty
 * clears the whole value. An unticked checkbox turns a set value off but
 * does not create one. The patch still has to pass `parseProfilePatch`.
 */
export function formToPatch(
  body: Record<string, unknown>,
  current: ProfileView,
  fields: readonly ProfileField[],
): { patch: Record<string, unknown>; values: FormValues } {
  const patch: Record<string, unknown> = {};
  const values: FormValues = {};
  const stored = current.fields as Record<string, { value: unknown } | undefined>;
  for (const field of fields) {
    const ui: FieldUi = field.ui;
    const path = field.path;
    switch (ui.kind) {
      case 'group': {
        const object: Record<string, unknown> = {};
        for (const part of ui.parts ?? []) {
          const text = single(body[partName(path, part.name)]);
          values[partName(path, part.name)] = text;
          if (text.trim() !== '') object[part.name] = part.kind === 'number' ? toNumber(text) : text;
        }
        patch[path] = Object.keys(object).length === 0 ? null : object;
        break;
      }
      case 'checkboxes': {
        const ticked = many(body[path]);
        values[path] = ticked;
        const other = ui.allowOther ? single(body[`${path}.other`]) : '';
        if (ui.allowOther) values[`${path}.other`] = other;
        const all = [
          ...ticked,
          ...other
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        ];
        patch[path] = all.length === 0 ? null : all;
        break;
      }
      case 'checkbox': {
        const on = single(body[path]) === 'on';
        if (on) values[path] = 'on';
        if (on) patch[path] = true;
        else if (stored[path] !== undefined) patch[path] = false;
        break;
      }
      case 'number': {
        const text = single(body[path]);
        values[path] = text;
        patch[path] = text.trim() === '' ? null : toNumber(text);
        break;
      }
      default: {
        const text = single(body[path]);
        values[path] = text;
        patch[path] = text.trim() === '' ? null : text;
      }
    }
  }
  return { patch: patch as ProfilePatch, values };
}

/**
 * Files each validation issue under the field it belongs to (and under the
 * part, for grouped fields), with a message in plain words.
 */
export function issuesToFormErrors(issues: readonly FieldIssue[]): FormErrors {
  const errors: FormErrors = {};
  const byLength = [...profileFields].sort((a, b) => b.path.length - a.path.length);
  for (const issue of issues) {
    const { field, rest } = locateIssue(issue.path, byLength);
    if (!field) continue;
    const part = (field.ui as FieldUi).parts?.find((p) => rest === p.name || rest.startsWith(`${p.name}.`));
    const message = plainMessage(issue, field, part?.label);
    const key = part ? partName(field.path, part.name) : field.path;
    errors[key] = [...(errors[key] ?? []), message];
    if (part) errors[field.path] = [...(errors[field.path] ?? []), `${part.label}: ${message}`];
  }
  return errors;
}

/**
 * Finds the field an issue path names: a JSON Pointer (RFC 6901, `/address/country`, whose first
 * segment is the whole field path even when it holds dots) or a dotted path (`address.country`).
 */
function locateIssue(path: string, fields: readonly ProfileField[]): { field?: ProfileField; rest: string } {
  if (path.startsWith('/')) {
    const [first = '', ...others] = path
      .slice(1)
      .split('/')
      .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
    return { field: fields.find((f) => f.path === first), rest: others.join('.') };
  }
  const field = fields.find(
    (f) => path === f.path || path.startsWith(`${f.path}.`) || path.startsWith(`${f.path}[`),
  );
  return { field, rest: field ? path.slice(field.path.length + 1) : '' };
}

function plainMessage(issue: FieldIssue, field: ProfileField, partLabel: string | undefined): string {
  if (/received undefined/.test(issue.message)) return `${partLabel ?? field.label} is needed.`;
  if (/expected number, received string/.test(issue.message)) return 'Enter a number.';
  if (issue.code === 'too_big') return 'This is too long.';
  return issue.message.replace(/^Invalid input: /, '');
}

/** Select choices a field's `optionsFrom` names, computed once. */
export const generatedOptions = {
  countries: (() => {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    return countryCodes
      .map((code) => ({ value: code, label: names.of(code) ?? code }))
      .sort((a, b) => a.label.localeCompare(b.label));
  })(),
  timeZones: listTimeZones().map((zone) => ({ value: zone, label: zone.replaceAll('_', ' ') })),
};

function single(value: unknown): string {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' ? value : '';
}

function many(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is string => typeof v === 'string' && v !== '');
}

function toNumber(text: string): number | string {
  const n = Number(text.trim());
  // Left a string, it fails validation with "Enter a number." rather than becoming NaN.
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}
