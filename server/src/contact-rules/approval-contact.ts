import type { ContactTerms } from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import type { OwnerRow } from '../owners/owner.table.ts';
import { findContactTerms } from './contact.repository.ts';
import { effectiveTerms, readOwnerDefaults } from './owner-contact-rules.ts';

/**
 * The contact terms a grant carries once approved: what the vendor asked
 * (already capped by any agreement), its weekly limit and purposes lowered to
 * what the owner allows (their profile's defaults and their terms for this
 * vendor); none at all when the owner did not let them contact. The approve
 * page shows this and the approval stores it, so the two cannot disagree.
 * The channels stay as asked: the vendor page tells "not asked" from "not
 * allowed" by them, and the owner's own channel choices still apply at each check.
 *
 * @example
 * const contact = await approvalContact(deps, trx, owner, clientId, request.contact, true);
 */
export async function approvalContact(
  deps: { keys: VaultKeys },
  db: Executor,
  owner: OwnerRow,
  clientId: string,
  asked: ContactTerms | null,
  allowed: boolean,
): Promise<ContactTerms | null> {
  if (asked === null || !allowed) return null;
  const defaults = await readOwnerDefaults(deps, db, owner);
  const applies = effectiveTerms(asked, defaults, await findContactTerms(db, owner.id, clientId));
  return {
    channels: asked.channels,
    purposes: applies.purposes,
    max_per_week: applies.maxPerWeek,
  };
}
