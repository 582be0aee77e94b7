import {
  type ContactChannel,
  type ContactTerms,
  contactPurposes,
  type EffectiveContactTerms,
} from '@kith/schemas';
import type { Executor } from '../db/database.ts';
import { openField } from '../keys/field-cipher.ts';
import type { VaultKeys } from '../keys/vault-keys.ts';
import { ownerDataKey } from '../owners/owner.service.ts';
import type { OwnerRow } from '../owners/owner.table.ts';
import { findSealedProfileValues } from './contact.repository.ts';
import type { ContactTermsRow } from './contact.table.ts';
import { type QuietHours, usableTimeZone } from './quiet-hours.ts';

// The owner's contact rules: their defaults (from the profile) and their terms
// for one vendor, and how the two narrow what a vendor asked. Below grants/,
// so approving a grant can apply them; the checks vendors make (contact/) use
// them too.

/** The owner's own contact defaults, from their profile. */
export interface OwnerContactDefaults {
  channels: ContactChannel[] | null;
  noMarketing: boolean;
  maxPerWeek: number | null;
  quietHours: QuietHours | null;
  timeZone: string;
}

const DEFAULT_PATHS = new Set([
  'contact.channels',
  'contact.no_marketing',
  'contact.max_per_week',
  'contact.quiet_hours',
  'zoneinfo',
]);

/**
 * What a grant allows: the vendor's ask, narrowed by the owner's defaults and
 * by what the owner set for this vendor. Each layer may only tighten.
 *
 * @example
 * effectiveTerms({ channels: ['email', 'sms'], purposes: ['service'], max_per_week: 3 }, defaults, undefined)
 */
export function effectiveTerms(
  ask: ContactTerms,
  defaults: OwnerContactDefaults,
  override: ContactTermsRow | undefined,
): EffectiveContactTerms {
  const overrideChannels = override?.channels ? (JSON.parse(override.channels) as ContactChannel[]) : null;
  const channels = ask.channels.filter(
    (c) => (defaults.channels?.includes(c) ?? true) && (overrideChannels?.includes(c) ?? true),
  );
  const marketingRefused = defaults.noMarketing || override?.allow_marketing === 0;
  const purposes = contactPurposes.filter(
    (p) => ask.purposes.includes(p) && !(p === 'marketing' && marketingRefused),
  );
  const maxPerWeek = Math.min(
    ask.max_per_week,
    defaults.maxPerWeek ?? Number.POSITIVE_INFINITY,
    override?.max_per_week ?? Number.POSITIVE_INFINITY,
  );
  const quietHours = [defaults.quietHours, overrideQuietHours(override)].filter(
    (w): w is QuietHours => w !== null,
  );
  return {
    doNotContact: override?.do_not_contact === 1,
    channels,
    purposes,
    maxPerWeek,
    quietHours,
    timeZone: defaults.timeZone,
  };
}

/** The owner's contact defaults, opened from their profile (inside the caller's transaction, if any). */
export async function readOwnerDefaults(
  deps: { keys: VaultKeys },
  trx: Executor,
  owner: OwnerRow,
): Promise<OwnerContactDefaults> {
  const dataKey = ownerDataKey(deps.keys, owner);
  const values: Record<string, unknown> = {};
  for (const row of await findSealedProfileValues(trx, owner.id, [...DEFAULT_PATHS])) {
    if (row.value_sealed === null) continue;
    values[row.path] = JSON.parse(openField(dataKey, owner.id, row.path, row.value_sealed));
  }
  return {
    channels: Array.isArray(values['contact.channels'])
      ? (values['contact.channels'] as ContactChannel[])
      : null,
    noMarketing: values['contact.no_marketing'] === true,
    maxPerWeek: typeof values['contact.max_per_week'] === 'number' ? values['contact.max_per_week'] : null,
    quietHours: (values['contact.quiet_hours'] as QuietHours | undefined) ?? null,
    timeZone: usableTimeZone(values.zoneinfo as string | undefined),
  };
}

export function overrideQuietHours(override: ContactTermsRow | undefined): QuietHours | null {
  return override?.quiet_start && override.quiet_end
    ? { start: override.quiet_start, end: override.quiet_end }
    : null;
}
