import type { Kysely, Transaction } from 'kysely';
import type { AccessLogCheckpointTable, AccessLogTable } from '../audit/audit.table.ts';
import type { ContactEventTable, ContactTermsTable } from '../contact-rules/contact.table.ts';
import type {
  DeliveryTable,
  DisabledWebhookTable,
  EventSequenceTable,
  EventTable,
} from '../events/event.table.ts';
import type { GrantRequestTable, GrantTable } from '../grants/grant.table.ts';
import type { SigningKeyTable } from '../keys/signing-key.table.ts';
import type { EnrollmentTable } from '../owners/enrollment.table.ts';
import type { OwnerTable } from '../owners/owner.table.ts';
import type { PasskeyTable } from '../owners/passkey.table.ts';
import type { RecoveryCodeTable } from '../owners/recovery-code.table.ts';
import type { SessionTable } from '../owners/session.table.ts';
import type { WebauthnChallengeTable } from '../owners/webauthn-challenge.table.ts';
import type { ProfileFieldTable } from '../profile/profile.table.ts';
import type { RateLimitTable } from '../rate-limit/rate-limit.table.ts';
import type { ErasureRequestTable } from '../relationships/erasure.table.ts';
import type { OwnerTermsTable } from '../terms/terms.table.ts';
import type { ClientAssertionJtiTable, DpopProofJtiTable } from '../vendors/replay.table.ts';
import type { VendorTable } from '../vendors/vendor.table.ts';
import type { MetaTable } from './meta.table.ts';

/** Every table Kith stores, by name. */
export interface Database {
  kith_meta: MetaTable;
  owners: OwnerTable;
  sessions: SessionTable;
  profile_fields: ProfileFieldTable;
  passkeys: PasskeyTable;
  webauthn_challenges: WebauthnChallengeTable;
  enrollments: EnrollmentTable;
  recovery_codes: RecoveryCodeTable;
  rate_limits: RateLimitTable;
  signing_keys: SigningKeyTable;
  vendors: VendorTable;
  dpop_proof_jtis: DpopProofJtiTable;
  client_assertion_jtis: ClientAssertionJtiTable;
  grant_requests: GrantRequestTable;
  grants: GrantTable;
  access_log: AccessLogTable;
  access_log_checkpoints: AccessLogCheckpointTable;
  events: EventTable;
  event_sequences: EventSequenceTable;
  deliveries: DeliveryTable;
  disabled_webhooks: DisabledWebhookTable;
  contact_terms: ContactTermsTable;
  contact_events: ContactEventTable;
  erasure_requests: ErasureRequestTable;
  owner_terms: OwnerTermsTable;
}

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Repositories take either: a plain handle or one inside a transaction. */
export type Executor = Db | Trx;
