import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import { newId } from '../ids.ts';
import { open, seal } from '../keys/envelope.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { findOwnerById, findOwnerByNameIndex, insertOwner } from './owner.repository.ts';
import type { NewOwnerRow, OwnerRow } from './owner.table.ts';

export interface OwnerDeps {
  db: Db;
  keys: VaultKeys;
  clock: Clock;
}

/** An owner as the service hands it out: the name opened, no key material. */
export interface Owner {
  id: string;
  name: string;
  createdAt: number;
  profileVersion: number;
  profileUpdatedAt: number | null;
}

const NAME_INDEX = 'owner-name';

/**
 * Creates an owner with a fresh data key. Names are unique on one server (the
 * operator finds owners by name) and are stored sealed, found by blind index.
 *
 * @example
 * const owner = await createOwner(deps, { name: 'ada' });
 */
export async function createOwner(deps: OwnerDeps, input: { name: string }): Promise<Owner> {
  const name = normaliseOwnerName(input.name);
  const row = newOwnerRow(deps.keys, { name, createdAt: deps.clock.now() });
  if (await findOwnerByNameIndex(deps.db, row.name_index)) {
    throw new KithError('VALIDATION_FAILED', {
      detail: 'An owner with this name already exists.',
      errors: [{ path: '/name', code: 'taken', message: 'An owner with this name already exists.' }],
    });
  }
  await insertOwner(deps.db, row);
  return { id: row.id, name, createdAt: row.created_at, profileVersion: 0, profileUpdatedAt: null };
}

/**
 * A new owner's row, not yet stored: a fresh id and data key (wrapped by the
 * master key), the name sealed and blind-indexed. Pure apart from randomness,
 * so a bulk loader (the benchmarks' seeding tool) writes exactly the rows
 * `createOwner` would.
 *
 * @example
 * const row = newOwnerRow(keys, { name: 'ada', createdAt: Date.now() });
 */
export function newOwnerRow(keys: VaultKeys, input: { name: string; createdAt: number }): NewOwnerRow {
  const name = normaliseOwnerName(input.name);
  const id = newId('own');
  const { dataKey, wrapped } = keys.newDataKey(id);
  return {
    id,
    created_at: input.createdAt,
    name_index: keys.blindIndex(NAME_INDEX, name.toLowerCase()),
    name_sealed: seal(dataKey, Buffer.from(name, 'utf8'), nameContext(id)),
    data_key_wrapped: wrapped,
    profile_version: 0,
    profile_updated_at: null,
  };
}

/** Finds an owner by id, or `undefined`. */
export async function getOwner(deps: OwnerDeps, id: string): Promise<Owner | undefined> {
  const row = await findOwnerById(deps.db, id);
  return row && toOwner(deps.keys, row);
}

/** Finds an owner by name (case-insensitive), or `undefined`. */
export async function findOwnerByName(deps: OwnerDeps, name: string): Promise<Owner | undefined> {
  const index = deps.keys.blindIndex(NAME_INDEX, normaliseOwnerName(name).toLowerCase());
  const row = await findOwnerByNameIndex(deps.db, index);
  return row && toOwner(deps.keys, row);
}

/** The owner's data key, unwrapped by the master key. */
export function ownerDataKey(keys: VaultKeys, row: Pick<OwnerRow, 'id' | 'data_key_wrapped'>): Buffer {
  return keys.dataKey(row.id, row.data_key_wrapped);
}

function toOwner(keys: VaultKeys, row: OwnerRow): Owner {
  const name = open(ownerDataKey(keys, row), row.name_sealed, nameContext(row.id)).toString('utf8');
  return {
    id: row.id,
    name,
    createdAt: row.created_at,
    profileVersion: row.profile_version,
    profileUpdatedAt: row.profile_updated_at,
  };
}

function normaliseOwnerName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (name.length < 1 || name.length > 64 || /[\p{Cc}]/u.test(name)) {
    throw new KithError('VALIDATION_FAILED', {
      detail: 'An owner name is 1 to 64 printable characters.',
      errors: [{ path: '/name', code: 'invalid', message: 'An owner name is 1 to 64 printable characters.' }],
    });
  }
  return name;
}

/** The AAD of an owner's sealed name. */
export function nameContext(ownerId: string): string {
  return `owner:${ownerId}|name`;
}
