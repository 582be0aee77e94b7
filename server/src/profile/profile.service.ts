import {
  type ExportDocument,
  type FieldPath,
  findProfileField,
  type ProfileFieldEntry,
  type ProfilePatch,
  type ProfileView,
  profilePatchSchema,
} from '@kith/schemas';
import type { Clock } from '../clock.ts';
import { emitContactDefaultsChanged } from '../contact/contact-terms.service.ts';
import type { Db, Trx } from '../db/database.ts';
import { emitProfileUpdated } from '../events/event.service.ts';
import { KithError } from '../http/kith-error.ts';
import { validationError } from '../http/validation.ts';
import { canonicalJson, openField, sealField } from '../keys/field-cipher.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { lockOwner } from '../owners/lock-owner.ts';
import { bumpProfileVersion, findOwnerById } from '../owners/owner.repository.ts';
import { ownerDataKey } from '../owners/owner.service.ts';
import type { OwnerRow } from '../owners/owner.table.ts';
import { findProfileFields, upsertProfileField } from './profile.repository.ts';
import type { ProfileFieldRow } from './profile.table.ts';

export interface ProfileDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
}

/** What an update changed, for callers that fan out events. */
export interface ProfileUpdate {
  profile: ProfileView;
  changed: FieldPath[];
}

/**
 * Validates untrusted input against the field catalogue: unknown keys are
 * `UNKNOWN_FIELD`, bad values `VALIDATION_FAILED`, each with its path.
 *
 * @example
 * const patch = parseProfilePatch({ email: 'ada@example.com', nickname: null });
 */
export function parseProfilePatch(input: unknown): ProfilePatch {
  const result = profilePatchSchema.safeParse(input);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** The owner's profile, every set field opened with the owner's data key. */
export async function readProfile(deps: ProfileDeps, ownerId: string): Promise<ProfileView> {
  const owner = await requireOwnerRow(deps.db, ownerId);
  const rows = await findProfileFields(deps.db, ownerId);
  return toProfileView(deps.keys, owner, rows);
}

/**
 * Applies a partial update, all or nothing: `null` clears a field, a value
 * sets it, a value equal to the stored one changes nothing. When anything
 * changed, the profile version goes up by one and every changed field takes
 * that version.
 */
export async function updateProfile(
  deps: ProfileDeps,
  ownerId: string,
  patch: ProfilePatch,
): Promise<ProfileUpdate> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    // Taking the owner's row first serialises concurrent updates of one profile.
    const owner = await lockOwner(trx, ownerId);
    if (!owner) throw new KithError('UNAUTHENTICATED');
    const dataKey = ownerDataKey(deps.keys, owner);
    const current = new Map((await findProfileFields(trx, ownerId)).map((row) => [row.path, row]));

    const changes: { path: FieldPath; json: string | null }[] = [];
    for (const [path, value] of Object.entries(patch) as [FieldPath, unknown][]) {
      if (value === undefined) continue;
      const json = value === null ? null : canonicalJson(value);
      const row = current.get(path);
      const stored = row?.value_sealed ? openField(dataKey, ownerId, path, row.value_sealed) : null;
      if (json !== stored) changes.push({ path, json });
    }
    if (changes.length === 0)
      return { profile: toProfileView(deps.keys, owner, [...current.values()]), changed: [] };

    const version = await bumpProfileVersion(trx, ownerId, now);
    for (const { path, json } of changes) {
      const row = {
        owner_id: ownerId,
        path,
        value_sealed: json === null ? null : sealField(dataKey, ownerId, path, json),
        version,
        updated_at: now,
      };
      await upsertProfileField(trx, row);
      current.set(path, row);
    }
    // In this transaction: vendors holding a changed field hear of it if and only if the change commits.
    await emitProfileUpdated(trx, { ownerId, changed: changes.map((c) => c.path), version, at: now });
    const updated = { ...owner, profile_version: version, profile_updated_at: now };
    // The owner's own contact defaults bound every vendor's terms: each vendor hears its new terms.
    if (changes.some((c) => c.path.startsWith('contact.'))) {
      await emitContactDefaultsChanged(deps, trx, updated, now);
    }
    return {
      profile: toProfileView(deps.keys, updated, [...current.values()]),
      changed: changes.map((c) => c.path),
    };
  });
}

/** Clears one field by path; an unknown path is `UNKNOWN_FIELD`. */
export async function clearProfileField(
  deps: ProfileDeps,
  ownerId: string,
  path: string,
): Promise<ProfileUpdate> {
  if (!findProfileField(path)) {
    throw new KithError('UNKNOWN_FIELD', {
      detail: `Unknown field: ${path.slice(0, 64)}.`,
      errors: [
        { path: `/${path.slice(0, 64)}`, code: 'unknown_field', message: 'Kith has no field by this name.' },
      ],
    });
  }
  return updateProfile(deps, ownerId, { [path]: null } as ProfilePatch);
}

/** The whole vault as one document, described by the published export schema. */
export async function exportVault(deps: ProfileDeps, ownerId: string): Promise<ExportDocument> {
  const owner = await requireOwnerRow(deps.db, ownerId);
  const rows = await findProfileFields(deps.db, ownerId);
  return {
    format: 'kith-export/1',
    exportedAt: new Date(deps.clock.now()).toISOString(),
    owner: { id: owner.id, createdAt: new Date(owner.created_at).toISOString() },
    profile: toProfileView(deps.keys, owner, rows),
  };
}

async function requireOwnerRow(db: Db | Trx, ownerId: string): Promise<OwnerRow> {
  const owner = await findOwnerById(db, ownerId);
  // The session named an owner that no longer exists: treat it as signed out.
  if (!owner) throw new KithError('UNAUTHENTICATED');
  return owner;
}

function toProfileView(
  keys: VaultKeys,
  owner: Pick<OwnerRow, 'id' | 'data_key_wrapped' | 'profile_version' | 'profile_updated_at'>,
  rows: Pick<ProfileFieldRow, 'path' | 'value_sealed' | 'version' | 'updated_at'>[],
): ProfileView {
  const dataKey = ownerDataKey(keys, owner);
  const fields: Record<string, ProfileFieldEntry> = {};
  for (const row of [...rows].sort((a, b) => a.path.localeCompare(b.path))) {
    // A field the catalogue no longer knows, or one the owner cleared, is not shown.
    if (!row.value_sealed || !findProfileField(row.path)) continue;
    fields[row.path] = {
      value: JSON.parse(openField(dataKey, owner.id, row.path, row.value_sealed)),
      version: row.version,
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }
  return {
    version: owner.profile_version,
    updatedAt: owner.profile_updated_at === null ? null : new Date(owner.profile_updated_at).toISOString(),
    fields: fields as ProfileView['fields'],
  };
}
