import { type FieldPath, findProfileField } from '@kith/schemas';
import { channelWords } from './contact-words.ts';

/**
 * A stored value as a person reads it on the approval page: strings as they
 * are, lists joined, an address on one line, a time window as a range.
 */
export function describeFieldValue(path: FieldPath | string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (path === 'contact.channels' && typeof value === 'string') return channelWords(value);
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map((v) => describeFieldValue(path, v)).join(', ');
  const record = value as Record<string, unknown>;
  if (path === 'address') {
    return ['street_address', 'locality', 'region', 'postal_code', 'country']
      .map((part) => record[part])
      .filter((part): part is string => typeof part === 'string' && part !== '')
      .join(', ');
  }
  if ('start' in record && 'end' in record) return `${String(record.start)}–${String(record.end)}`;
  if ('system' in record && 'size' in record) return `${String(record.size)} (${String(record.system)})`;
  return Object.values(record)
    .map((v) => describeFieldValue(path, v))
    .join(', ');
}

/** A duration in plain words: "30 days", "12 hours", "1 year". */
export function describeDuration(seconds: number): string {
  const units: [number, string][] = [
    [365 * 86400, 'year'],
    [30 * 86400, 'month'],
    [7 * 86400, 'week'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  const days = Math.round(seconds / 86400);
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'}`;
  const hours = Math.max(1, Math.round(seconds / 3600));
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}

/** A field's name for people: "Phone number", not `phone_number`. */
export function fieldLabel(path: string): string {
  return findProfileField(path)?.label ?? path;
}
