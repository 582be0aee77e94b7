import type { WebhookEventType } from '@kith/schemas';
import type { Insertable, Selectable } from 'kysely';

/** One event for one vendor, written in the transaction of the change that caused it (the outbox). */
export interface EventTable {
  /** `evt_…`: the Standard Webhooks `webhook-id`, the same on every attempt. */
  id: string;
  owner_id: string;
  /** The vendor the event is for. */
  client_id: string;
  type: WebhookEventType;
  /** The event's `data` as JSON: field names, versions, grant ids, deadlines; never personal values. */
  payload: string;
  created_at: number;
  /** The vendor's event counter (1, 2, 3…) in commit order, from `event_sequences`. */
  sequence: number;
}

/** The last event number given to each vendor. */
export interface EventSequenceTable {
  client_id: string;
  last_sequence: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'disabled';

/** Where the delivery of one event stands. */
export interface DeliveryTable {
  event_id: string;
  /** Attempts started so far; a claim starts the next one. */
  attempts: number;
  next_attempt_at: number;
  /** A worker holds the delivery until then; after it, another may claim it again. */
  claimed_until: number | null;
  claimed_by: string | null;
  status: DeliveryStatus;
  last_attempt_at: number | null;
  last_status_code: number | null;
  /** Short and generic ("timeout", "HTTP 503"): never personal data, never the vendor's answer. */
  last_error: string | null;
  delivered_at: number | null;
}

/** A vendor endpoint that answered 410 Gone. */
export interface DisabledWebhookTable {
  client_id: string;
  webhook_uri: string;
  disabled_at: number;
}

export type EventRow = Selectable<EventTable>;
export type NewEventRow = Insertable<EventTable>;
export type DeliveryRow = Selectable<DeliveryTable>;
export type NewDeliveryRow = Insertable<DeliveryTable>;
