import { type Purpose, profileFields, purposeIds, purposes } from '@kith/schemas';
import type { DeliveryHealth } from '../../events/delivery.service.ts';
import type { Erasure, Relationship } from '../../relationships/relationship.service.ts';
import { CsrfField } from '../csrf.tsx';
import { describeDuration } from '../field-value.ts';
import { formatDay, formatMoment } from '../format.ts';
import { Notice } from '../layout.tsx';
import { VendorName } from '../vendor-label.tsx';

export interface RelationshipSectionProps {
  csrfToken: string;
  /** The vendor's path segment (base64url client id). */
  vendorKey: string;
  vendorName: string;
  relationship: Relationship;
  /** Whether events reach the vendor. */
  health: DeliveryHealth;
  /** Set right after the owner ended it, to confirm it. */
  justEnded?: boolean;
}

/** Durations the owner can share for. */
export const SHARE_DURATIONS = [7 * 86400, 30 * 86400, 90 * 86400, 365 * 86400];

/**
 * The relationship on the vendor's page: whether events reach the vendor,
 * where the erasure stands, and — while it lasts — a way to end it, confirmed
 * once on `/vendors/{key}/end`.
 */
export function RelationshipSection(props: RelationshipSectionProps) {
  const { relationship, vendorName } = props;
  return (
    <section class="card" id="relationship" aria-labelledby="relationship-title">
      <h2 id="relationship-title">Your relationship</h2>
      {props.justEnded && (
        <Notice kind="success" title="Relationship ended">
          <p>
            Every grant to <VendorName name={vendorName} /> is revoked, and <VendorName name={vendorName} />{' '}
            has been asked to erase what it holds about you.
          </p>
        </Notice>
      )}
      {relationship.erasure && <ErasureStatus erasure={relationship.erasure} vendorName={vendorName} />}
      <p data-kith="delivery-health">{describeHealth(props.health, vendorName)}</p>
      {!relationship.ended && (
        <>
          <p class="field__hint">
            Revokes every grant at once and asks <VendorName name={vendorName} /> to erase everything it holds
            about you. You confirm on the next page.
          </p>
          <p>
            <a class="button button--danger" href={`/vendors/${props.vendorKey}/end`} data-kith="end-link">
              {/* One flex item, so a wrapped name flows as text instead of a second column. */}
              <span>
                End relationship with <VendorName name={vendorName} />
              </span>
            </a>
          </p>
        </>
      )}
    </section>
  );
}

function ErasureStatus(props: { erasure: Erasure; vendorName: string }) {
  const { erasure } = props;
  switch (erasure.status) {
    case 'confirmed':
      return (
        <p data-kith="erasure-status">
          <strong>Erasure confirmed on {formatDay(erasure.acknowledgedAt ?? erasure.deadline)}</strong>
          {(erasure.acknowledgedAt ?? 0) > erasure.deadline ? ' (after the deadline)' : ''}. Relationship
          ended {formatMoment(erasure.requestedAt)}.
        </p>
      );
    case 'overdue':
      return (
        <p data-kith="erasure-status" class="item__warning">
          <strong>
            Overdue by {erasure.overdueDays} day{erasure.overdueDays === 1 ? '' : 's'}
          </strong>
          : <VendorName name={props.vendorName} /> was due to confirm erasing your data by{' '}
          {formatDay(erasure.deadline)} and has not.
        </p>
      );
    case 'pending':
      return (
        <p data-kith="erasure-status">
          <strong>Erasure pending (due {formatDay(erasure.deadline)})</strong>. Relationship ended{' '}
          {formatMoment(erasure.requestedAt)}.
        </p>
      );
  }
}

/** Whether the vault's messages (revocations, updates, goodbyes) reach the vendor, in plain words. */
export function describeHealth(health: DeliveryHealth, vendorName: string): string {
  if (health.disabled) return `Messages to ${vendorName}: stopped — its address answered that it is gone.`;
  if (health.failing > 0 || health.failed > 0) {
    const failing = health.failing + health.failed;
    return `Messages to ${vendorName}: failing — ${failing} not delivered${health.failed > 0 ? `, ${health.failed} given up` : ', retrying'}.`;
  }
  if (health.lastDeliveredAt !== null) {
    return `Messages to ${vendorName}: delivered — last one ${formatMoment(health.lastDeliveredAt)}${health.pending > 0 ? `, ${health.pending} on the way` : ''}.`;
  }
  return health.pending > 0
    ? `Messages to ${vendorName}: ${health.pending} on the way.`
    : `Messages to ${vendorName}: none sent yet.`;
}

/** The catalogue, the purposes and the durations, as the share forms offer them. */
export function ShareChoices(props: { idPrefix: string }) {
  const id = (name: string) => `${props.idPrefix}-${name.replaceAll('.', '-')}`;
  return (
    <>
      <fieldset class="field">
        <legend class="field__label">Details to share</legend>
        <div class="checks">
          {profileFields.map((field) => (
            <div class="check">
              <input type="checkbox" id={id(field.path)} name="fields" value={field.path} />
              <label for={id(field.path)}>{field.label}</label>
            </div>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label class="field__label" for={id('purpose')}>
          What for
        </label>
        <select id={id('purpose')} name="purpose" class="input--medium">
          {purposeIds.map((purpose: Purpose) => (
            <option value={purpose} selected={purpose === 'delivery'}>
              {purposes[purpose].label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label class="field__label" for={id('duration')}>
          For how long
        </label>
        <select id={id('duration')} name="duration" class="input--medium">
          {SHARE_DURATIONS.map((seconds) => (
            <option value={String(seconds)} selected={seconds === 30 * 86400}>
              {describeDuration(seconds)}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

export interface ShareSectionProps {
  csrfToken: string;
  vendorKey: string;
  vendorName: string;
  /** Set right after sharing, to confirm it. */
  shared?: boolean;
  /** Set when the form came back without a detail. */
  invalid?: boolean;
}

/** On a vendor's page: share details the vendor did not ask for. */
export function ShareSection(props: ShareSectionProps) {
  return (
    <section class="card" id="share" aria-labelledby="share-title">
      <h2 id="share-title">
        Share more with <VendorName name={props.vendorName} />
      </h2>
      {props.shared && (
        <Notice kind="success" title="Shared">
          <p>
            <VendorName name={props.vendorName} /> has been told and can read what you shared until it ends.
          </p>
        </Notice>
      )}
      {props.invalid && (
        <Notice kind="error" title="Nothing shared">
          <p>Pick at least one detail.</p>
        </Notice>
      )}
      <details class="disclosure" open={props.invalid}>
        <summary>
          Give <VendorName name={props.vendorName} /> details it did not ask for
        </summary>
        <form method="post" action={`/vendors/${props.vendorKey}/share`}>
          <CsrfField token={props.csrfToken} />
          <ShareChoices idPrefix="share" />
          <button type="submit" class="button button--primary">
            Share with <VendorName name={props.vendorName} />
          </button>
        </form>
      </details>
    </section>
  );
}
