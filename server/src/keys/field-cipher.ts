import type { FieldPath } from '@kith/schemas';
import { open, seal } from './envelope.ts';

// The field cipher: how a profile value is sealed under its owner's data key.
// Profile writes it; grants, contact and resealing read it.

/**
 * The AAD of a profile value: it binds the value to its owner and field, so a
 * ciphertext moved to another row does not open.
 */
export function fieldContext(ownerId: string, path: string): string {
  return `owner:${ownerId}|field:${path}`;
}

/** Seals one profile value's JSON text, bound to its owner and field. */
export function sealField(dataKey: Buffer, ownerId: string, path: string, json: string): Buffer {
  return seal(dataKey, Buffer.from(json, 'utf8'), fieldContext(ownerId, path));
}

/**
 * Seals one profile value as `updateProfile` stores it (canonical JSON under
 * the owner's data key, bound to owner and field), for a bulk loader that
 * writes `profile_fields` rows itself.
 *
 * @example
 * const value_sealed = sealProfileValue(dataKey, owner.id, 'email', 'ada@example.com');
 */
export function sealProfileValue(dataKey: Buffer, ownerId: string, path: FieldPath, value: unknown): Buffer {
  return sealField(dataKey, ownerId, path, canonicalJson(value));
}

/** Opens one sealed profile value as its JSON text. */
export function openField(dataKey: Buffer, ownerId: string, path: string, sealed: Uint8Array): string {
  return open(dataKey, sealed, fieldContext(ownerId, path)).toString('utf8');
}

/** JSON with object keys sorted, so equal values compare equal as strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
