import { randomBytes } from 'node:crypto';
import type { FieldPath, WebhookEventData, WebhookEventType } from '@kith/schemas';
import type { Trx } from '../db/database.ts';
import { grantFieldsOf } from '../grants/grant.table.ts';
import { newId } from '../ids.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import {
  findLiveGrants,
  insertEvents,
  reserveEventSequences,
  setWebhookSecretIfUnset,
} from './event.repository.ts';

/** One event for one vendor, as a service emits it. */
export interface NewEvent<T extends WebhookEventType = WebhookEventType> {
  ownerId: string;
  clientId: string;
  type: T;
  /** No personal values: field names, versions, grant ids, deadlines. */
  data: WebhookEventData[T];
  at: number;
}

/**
 * Writes an event and its pending delivery in the caller's transaction (the
 * transactional outbox): the event exists if and only if the change that
 * caused it committed. The delivery worker sends it afterwards.
 *
 * @example
 * await deps.db.transaction().execute(async (trx) => {
 *   await revokeGrantRow(trx, grant.id, now, 'owner');
 *   await emitEvent(trx, { ownerId, clientId, type: 'grant.revoked', data: { sub, grant_id, revoked_by: 'owner' }, at: now });
 * });
 */
export async function emitEvent<T extends WebhookEventType>(trx: Trx, event: NewEvent<T>): Promise<string> {
  const [id] = await emitEvents(trx, [event]);
  return id as string;
}

/**
 * Writes many events and their pending deliveries in the caller's
 * transaction, as `emitEvent` does one, in a few multi-row INSERTs: one
 * change may reach thousands of vendors. Answers the event ids, in order.
 *
 * @example
 * await emitEvents(trx, vendors.map((clientId) => ({ ownerId, clientId, type: 'profile.updated', data, at: now })));
 */
export async function emitEvents<T extends WebhookEventType>(
  trx: Trx,
  events: readonly NewEvent<T>[],
): Promise<string[]> {
  // Each vendor's events are numbered in commit order (the envelope's `sequence`), these in list order.
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.clientId, (counts.get(event.clientId) ?? 0) + 1);
  const last = await reserveEventSequences(trx, counts);
  const next = new Map([...counts].map(([clientId, count]) => [clientId, (last.get(clientId) ?? 0) - count]));
  const rows = events.map((event) => {
    const id = newId('evt');
    const sequence = (next.get(event.clientId) ?? 0) + 1;
    next.set(event.clientId, sequence);
    return {
      event: {
        id,
        owner_id: event.ownerId,
        client_id: event.clientId,
        type: event.type,
        payload: JSON.stringify(event.data),
        created_at: event.at,
        sequence,
      },
      delivery: {
        event_id: id,
        attempts: 0,
        next_attempt_at: event.at,
        claimed_until: null,
        claimed_by: null,
        status: 'pending' as const,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
        delivered_at: null,
      },
    };
  });
  await insertEvents(trx, rows);
  return rows.map((r) => r.event.id);
}

/**
 * After the owner changed `changed` (now at profile `version`): one
 * `profile.updated` per vendor holding a live grant on any changed field,
 * naming only the changed fields that vendor holds. Vendors holding none
 * of them hear nothing. Answers the vendors told.
 */
export async function emitProfileUpdated(
  trx: Trx,
  input: { ownerId: string; changed: readonly FieldPath[]; version: number; at: number },
): Promise<string[]> {
  const changed = new Set<string>(input.changed);
  const byVendor = new Map<string, { sub: string; grantIds: string[]; fields: Set<FieldPath> }>();
  for (const grant of await findLiveGrants(trx, input.ownerId, input.at)) {
    const held = grantFieldsOf(grant).filter((f) => changed.has(f));
    if (held.length === 0) continue;
    const entry = byVendor.get(grant.client_id) ?? { sub: grant.subject, grantIds: [], fields: new Set() };
    entry.grantIds.push(grant.id);
    for (const field of held) entry.fields.add(field);
    byVendor.set(grant.client_id, entry);
  }
  await emitEvents(
    trx,
    [...byVendor].map(([clientId, { sub, grantIds, fields }]) => ({
      ownerId: input.ownerId,
      clientId,
      type: 'profile.updated' as const,
      data: { sub, grant_ids: grantIds, fields: [...fields].sort(), version: input.version },
      at: input.at,
    })),
  );
  return [...byVendor.keys()];
}

/** The prefix of a Standard Webhooks symmetric secret. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/**
 * The vendor's webhook secret, created the first time it is needed (when the
 * vendor first collects a grant): `whsec_` + base64 of 32 random bytes,
 * sealed under the master key at rest. Concurrent first calls agree on one.
 * Undefined when the vault has no record of the vendor.
 */
export async function ensureWebhookSecret(
  deps: { keys: VaultKeys },
  trx: Trx,
  clientId: string,
): Promise<string | undefined> {
  const candidate = `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
  const sealed = deps.keys.sealSecret(Buffer.from(candidate, 'utf8'), webhookSecretContext(clientId));
  const stored = await setWebhookSecretIfUnset(trx, clientId, sealed);
  return stored ? openWebhookSecret(deps, clientId, stored) : undefined;
}

/** Opens a vendor's sealed webhook secret (`whsec_…`). */
export function openWebhookSecret(deps: { keys: VaultKeys }, clientId: string, sealed: Uint8Array): string {
  return deps.keys.openSecret(sealed, webhookSecretContext(clientId)).toString('utf8');
}

// Binds the sealed secret to its vendor: copied onto another vendor's row, it does not open.
/** The AAD of a vendor's sealed webhook secret. */
export function webhookSecretContext(clientId: string): string {
  return `webhook-secret|${clientId}`;
}
