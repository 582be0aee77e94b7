import {
  type AgreementRef,
  CONDUCT_WINDOW_DAYS,
  type ConductRecord,
  contactRefusalReasons,
  type FieldPath,
  profileFields,
} from '@kith/schemas';
import { countDeliveries } from '../events/delivery.repository.ts';
import { findOwnerGrants } from '../grants/grant.repository.ts';
import { decodeGrant, type Grant } from '../grants/grant.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { KithError } from '../http/kith-error.ts';
import { findErasureRequests } from '../relationships/relationship.repository.ts';
import {
  countContactEvents,
  countGrantRequestsByStatus,
  countReadsByDetailAndWeek,
  findOwnerVendors,
} from './conduct.repository.ts';

/** Reading a record needs only the database and the time. */
export type ConductDeps = Pick<GrantDeps, 'db' | 'clock'>;

const DAY_MS = 24 * 3_600_000;
const WEEK_MS = 7 * DAY_MS;
/** Catalogue order, so every list of fields reads the same way everywhere. */
const catalogueOrder = new Map<string, number>(profileFields.map((f, i) => [f.path, i]));

/**
 * One vendor's conduct, counted from what the vault already records: grants
 * and requests, the access log's reads, contact checks, erasure requests and
 * webhook deliveries. Nothing here is tracked for it. A vendor the owner
 * never dealt with is `NOT_FOUND`, as on the vendor page.
 *
 * @example
 * const record = await readConduct(deps, owner.id, 'https://shop.example/kith.json');
 * record.fields.unread // granted, never read in the last 90 days
 */
export async function readConduct(
  deps: ConductDeps,
  ownerId: string,
  clientId: string,
): Promise<ConductRecord> {
  const now = deps.clock.now();
  const from = now - CONDUCT_WINDOW_DAYS * DAY_MS;
  const [grantRows, requests, reads, contacts, erasures, deliveries] = await Promise.all([
    findOwnerGrants(deps.db, ownerId, clientId),
    countGrantRequestsByStatus(deps.db, ownerId, clientId),
    countReadsByDetailAndWeek(deps.db, ownerId, clientId, { from, to: now }),
    countContactEvents(deps.db, ownerId, clientId),
    findErasureRequests(deps.db, ownerId, clientId),
    countDeliveries(deps.db, ownerId, clientId),
  ]);
  const grants = grantRows.map(decodeGrant);
  if (grants.length === 0 && requests.length === 0) throw new KithError('NOT_FOUND');

  const requestsOf = (...statuses: string[]) =>
    requests.filter((r) => statuses.includes(r.status)).reduce((sum, r) => sum + r.count, 0);
  const live = grants.filter((g) => isLive(g, now));
  const granted = sortFields(new Set(live.flatMap((g) => g.fields)));
  const readFields = fieldsRead(reads.map((r) => r.detail));
  const underTerms = grants.filter((g) => g.terms !== undefined && g.termsAcceptance !== null);
  const contactsOf = (kind: string, outcome: string) =>
    contacts.filter((c) => c.kind === kind && c.outcome === outcome).reduce((sum, c) => sum + c.count, 0);
  const deliveriesOf = (status: string) => deliveries.find((d) => d.status === status)?.count ?? 0;
  const weeks = Math.ceil(CONDUCT_WINDOW_DAYS / 7);

  return {
    clientId,
    window: { days: CONDUCT_WINDOW_DAYS, from: iso(from), to: iso(now) },
    grants: {
      approved: requestsOf('approved', 'collected'),
      declined: requestsOf('denied'),
      shared: grants.filter((g) => g.origin === 'owner').length,
      revokedByOwner: grants.filter((g) => g.revokedBy === 'owner').length,
      relinquishedByVendor: grants.filter((g) => g.revokedBy === 'vendor').length,
      live: live.length,
    },
    terms: { accepted: underTerms.length, agreements: distinctAgreements(underTerms) },
    fields: {
      granted,
      read: granted.filter((f) => readFields.has(f)),
      unread: granted.filter((f) => !readFields.has(f)),
    },
    reads: {
      total: reads.reduce((sum, r) => sum + r.count, 0),
      // Counted back from now: the oldest week is the part of a week the window still holds.
      perWeek: Array.from({ length: weeks }, (_, i) => {
        const back = weeks - 1 - i;
        return {
          weekStart: iso(Math.max(from, now - (back + 1) * WEEK_MS)),
          reads: reads.filter((r) => r.week === back).reduce((sum, r) => sum + r.count, 0),
        };
      }),
    },
    contactChecks: {
      allowed: contactsOf('check', 'allowed'),
      refused: contactsOf('check', 'refused'),
      refusedBy: refusedBy(contacts.filter((c) => c.kind === 'check')),
    },
    contacts: {
      recorded: contactsOf('contact', 'allowed'),
      outsideTerms: contactsOf('contact', 'refused'),
      refusedBy: refusedBy(contacts.filter((c) => c.kind === 'contact')),
    },
    erasures: {
      onTime: erasures.filter((e) => e.acknowledged_at !== null && e.acknowledged_at <= e.deadline).length,
      late: erasures.filter((e) => e.acknowledged_at !== null && e.acknowledged_at > e.deadline).length,
      overdue: erasures.filter((e) => e.acknowledged_at === null && now > e.deadline).length,
      pending: erasures.filter((e) => e.acknowledged_at === null && now <= e.deadline).length,
    },
    webhooks: {
      delivered: deliveriesOf('delivered'),
      pending: deliveriesOf('pending'),
      failed: deliveriesOf('failed') + deliveriesOf('disabled'),
    },
  };
}

/** Every vendor's conduct record, for the owner's export. */
export async function listConduct(deps: ConductDeps, ownerId: string): Promise<ConductRecord[]> {
  const clientIds = await findOwnerVendors(deps.db, ownerId);
  return Promise.all(clientIds.map((clientId) => readConduct(deps, ownerId, clientId)));
}

/** The fields the reads gave, from the access log's details (field names, never values). */
export function fieldsRead(details: string[]): Set<string> {
  const read = new Set<string>();
  for (const detail of details) {
    const fields = (JSON.parse(detail) as { fields?: unknown }).fields;
    if (Array.isArray(fields)) for (const f of fields) if (typeof f === 'string') read.add(f);
  }
  return read;
}

export function isLive(grant: Grant, now: number): boolean {
  return grant.revokedAt === null && now < grant.expiresAt;
}

export function sortFields(fields: Iterable<FieldPath>): FieldPath[] {
  return [...fields].sort((a, b) => (catalogueOrder.get(a) ?? 0) - (catalogueOrder.get(b) ?? 0));
}

function refusedBy(rows: { outcome: string; reason: string; count: number }[]) {
  const counts = Object.fromEntries(contactRefusalReasons.map((r) => [r, 0])) as Record<
    (typeof contactRefusalReasons)[number],
    number
  >;
  for (const row of rows) {
    if (row.outcome === 'refused' && Object.hasOwn(counts, row.reason))
      counts[row.reason as keyof typeof counts] += row.count;
  }
  return counts;
}

function distinctAgreements(grants: Grant[]): AgreementRef[] {
  const byKey = new Map<string, AgreementRef>();
  for (const { terms: ref } of grants) {
    if (!ref) continue;
    byKey.set(`${ref.id}/${ref.version}`, { id: ref.id, version: ref.version, sha256: ref.sha256 });
  }
  return [...byKey.values()];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
