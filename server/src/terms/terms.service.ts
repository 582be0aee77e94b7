// The owner's own terms (IEEE 7012 "MyTerms" style): which standard agreement
// the owner proffers, by default and per vendor, and telling vendors with live
// grants when that changes. Whether a vendor accepted it is decided when the
// owner approves (grant-request.service.ts).
import {
  type Agreement,
  type AgreementRef,
  agreementRef,
  findAgreement,
  latestAgreement,
  type OwnerTerms,
} from '@kith/schemas';
import { appendAccessLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { Db, Executor } from '../db/database.ts';
import { findLiveGrants } from '../events/event.repository.ts';
import { emitEvents } from '../events/event.service.ts';
import { KithError } from '../http/kith-error.ts';
import { lockOwner } from '../owners/lock-owner.ts';
import { agreementOf, profferedAgreement } from './proffered-agreement.ts';
import { findOwnerTerms, putOwnerTerms } from './terms.repository.ts';
import { DEFAULT_TERMS_CLIENT, type OwnerTermsRow } from './terms.table.ts';

/** What the terms rules need: the database and the time. */
export interface TermsDeps {
  db: Db;
  clock: Clock;
}

/** The owner's default agreement and their per-vendor ones. */
export async function readOwnerTerms(db: Executor, ownerId: string): Promise<OwnerTerms> {
  const rows = await findOwnerTerms(db, ownerId);
  const refOf = (row: OwnerTermsRow) => {
    const agreement = agreementOf(row);
    return agreement ? agreementRef(agreement) : null;
  };
  const defaultRow = rows.find((r) => r.client_id === DEFAULT_TERMS_CLIENT);
  return {
    default: defaultRow ? refOf(defaultRow) : null,
    vendors: rows.flatMap((row) => {
      const terms = row.client_id === DEFAULT_TERMS_CLIENT ? null : refOf(row);
      return terms ? [{ client_id: row.client_id, terms }] : [];
    }),
  };
}

/**
 * Sets the agreement the owner proffers — by default (`clientId` undefined)
 * or to one vendor — by agreement id, in its newest version; `null` proffers
 * none by default, or makes one vendor follow the default again. Every
 * vendor with a live grant whose proffered agreement changed hears
 * `terms.changed`, in the same transaction.
 *
 * @example
 * await setProfferedTerms(deps, ownerId, { agreementId: 'service-only' });
 */
export async function setProfferedTerms(
  deps: TermsDeps,
  ownerId: string,
  input: { agreementId: string | null; clientId?: string },
): Promise<OwnerTerms> {
  const agreement = input.agreementId === null ? null : latestAgreement(input.agreementId);
  if (agreement === undefined) {
    throw new KithError('VALIDATION_FAILED', {
      detail: `No standard agreement is called "${input.agreementId}".`,
    });
  }
  const clientId = input.clientId ?? DEFAULT_TERMS_CLIENT;
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const owner = await lockOwner(trx, ownerId);
    if (!owner) throw new KithError('UNAUTHENTICATED');
    const live = await findLiveGrants(trx, ownerId, now);
    // Only vendors that collected a grant hold terms to be told about (findLiveGrants answers only those).
    const vendors = [...new Set(live.map((g) => g.client_id))].filter(
      (client) => input.clientId === undefined || client === input.clientId,
    );
    const before = new Map<string, Agreement | undefined>();
    for (const client of vendors) before.set(client, await profferedAgreement(trx, ownerId, client));

    await putOwnerTerms(trx, { owner_id: ownerId, client_id: clientId, agreement, at: now });

    const events = [];
    for (const client of vendors) {
      const after = await profferedAgreement(trx, ownerId, client);
      if (sameAgreement(before.get(client), after)) continue;
      const grants = live.filter((g) => g.client_id === client);
      events.push({
        ownerId,
        clientId: client,
        type: 'terms.changed' as const,
        data: {
          sub: grants[0]?.subject ?? '',
          grant_ids: grants.map((g) => g.id),
          terms: after ? agreementRef(after) : null,
        },
        at: now,
      });
    }
    await emitEvents(trx, events);
    await appendAccessLog(
      trx,
      {
        ownerId,
        at: now,
        action: 'terms.changed',
        ...(input.clientId === undefined ? {} : { clientId: input.clientId }),
        detail: { agreement: agreement ? agreementRef(agreement) : null, vendorsTold: events.length },
      },
      owner,
    );
    return readOwnerTerms(trx, ownerId);
  });
}

/** The agreement a stored reference names, as long as the vault still offers it. */
export function agreementFromJson(json: string | null): AgreementRef | undefined {
  if (json === null) return undefined;
  const ref = JSON.parse(json) as AgreementRef;
  return findAgreement(ref) ? ref : undefined;
}

function sameAgreement(a: Agreement | undefined, b: Agreement | undefined): boolean {
  return a?.id === b?.id && a?.version === b?.version;
}
