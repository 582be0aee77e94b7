import type { ContactChannel, ContactPurpose, ContactReason } from '@kith/schemas';
import type { Insertable, Selectable } from 'kysely';

/** The terms an owner set for one vendor. Each column may only tighten; null leaves it to the grant and defaults. */
export interface ContactTermsTable {
  owner_id: string;
  client_id: string;
  /** JSON array of channels, or null. */
  channels: string | null;
  /** 0 or 1, or null. */
  allow_marketing: number | null;
  max_per_week: number | null;
  /** `HH:MM` in the owner's time zone; both set or both null. */
  quiet_start: string | null;
  quiet_end: string | null;
  /** 0 or 1: refuse every contact. */
  do_not_contact: number;
  updated_at: number;
}

export type ContactEventKind = 'check' | 'contact';
export type ContactOutcome = 'allowed' | 'refused';

/** One check or contact a vendor asked for. `kind = contact, outcome = allowed` rows are the budget. */
export interface ContactEventTable {
  id: string;
  owner_id: string;
  client_id: string;
  grant_id: string;
  kind: ContactEventKind;
  channel: ContactChannel;
  purpose: ContactPurpose;
  outcome: ContactOutcome;
  reason: ContactReason;
  at: number;
}

export type ContactTermsRow = Selectable<ContactTermsTable>;
export type NewContactTermsRow = Insertable<ContactTermsTable>;
export type ContactEventRow = Selectable<ContactEventTable>;
export type NewContactEventRow = Insertable<ContactEventTable>;
