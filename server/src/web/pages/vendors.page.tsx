import { findProfileField, purposes } from '@kith/schemas';
import type { OwnerGrant } from '../../grants/grant.service.ts';
import type { VendorDisplay } from '../../grants/vendor-display.ts';
import type { Erasure } from '../../relationships/relationship.service.ts';
import { formatDay, formatMoment } from '../format.ts';
import { Layout } from '../layout.tsx';
import { VendorAddress, VendorName } from '../vendor-label.tsx';

/** One vendor on the dashboard: who, and what its live grants let it read. */
export interface VendorSummary {
  vendor: VendorDisplay;
  key: string;
  live: OwnerGrant[];
  ended: number;
  /** The newest erasure asked of this vendor, if the owner ever ended the relationship. */
  erasure?: Erasure | undefined;
}

export interface VendorsPageProps {
  nonce: string;
  csrfToken: string;
  vendors: VendorSummary[];
}

/** Who holds what: every vendor with the fields it may read, why, until when, and how often it read. */
export function VendorsPage(props: VendorsPageProps) {
  return (
    <Layout title="Vendors" nonce={props.nonce} csrfToken={props.csrfToken} signedIn current="vendors">
      <h1>Who can read what</h1>
      <p class="lede">
        Every shop or service you gave details to. Open one to see each time it read them, download the
        receipt, or end it.
      </p>
      <p>
        <a href="/approve">Enter a code from a vendor</a> · <a href="/share">Share details with several</a> ·{' '}
        <a href="/activity">All activity</a> · <a href="/terms">Your terms</a>
      </p>
      {props.vendors.length === 0 ? (
        <div class="empty">
          <p class="empty__title">No vendor can read anything yet.</p>
          <p>
            When a shop or service asks for your details, you approve it field by field, and it shows here.
          </p>
        </div>
      ) : (
        <ul class="items" data-kith="vendors">
          {props.vendors.map((summary) => (
            <VendorItem summary={summary} />
          ))}
        </ul>
      )}
    </Layout>
  );
}

/** A vendor line, shared by the dashboard and the home page. */
export function VendorItem({ summary }: { summary: VendorSummary }) {
  const fields = [...new Set(summary.live.flatMap((g) => g.fields))];
  const reads = summary.live.reduce((n, g) => n + g.reads, 0);
  const lastRead = Math.max(0, ...summary.live.map((g) => g.lastReadAt ?? 0));
  const expires = Math.max(0, ...summary.live.map((g) => g.expiresAt));
  const purposeLabels = [...new Set(summary.live.map((g) => purposes[g.purpose].label))];
  return (
    <li class="item">
      <div class="item__main">
        <p class="item__title">
          <a href={`/vendors/${summary.key}`}>
            <VendorName name={summary.vendor.name} />
          </a>{' '}
          <VendorAddress vendor={summary.vendor} />
        </p>
        {summary.live.length > 0 ? (
          <>
            <p class="item__meta">
              Can read: {fields.map((f) => findProfileField(f)?.label ?? f).join(', ')}
            </p>
            <p class="item__meta">Why: {purposeLabels.join('; ')}</p>
            <p class="item__meta">
              Until {formatMoment(expires)} · read {reads} time{reads === 1 ? '' : 's'}
              {lastRead > 0 ? `, last ${formatMoment(lastRead)}` : ''}
            </p>
          </>
        ) : (
          <p class="item__meta">
            Can read nothing now ({summary.ended} ended grant{summary.ended === 1 ? '' : 's'}).
          </p>
        )}
        {summary.live.length === 0 && summary.erasure && (
          <p class="item__meta" data-kith="vendor-erasure">
            Relationship ended {formatDay(summary.erasure.requestedAt)} · {erasureText(summary.erasure)}
          </p>
        )}
      </div>
    </li>
  );
}

function erasureText(erasure: Erasure): string {
  switch (erasure.status) {
    case 'confirmed':
      return `erasure confirmed on ${formatDay(erasure.acknowledgedAt ?? erasure.deadline)}`;
    case 'overdue':
      return `erasure overdue by ${erasure.overdueDays} day${erasure.overdueDays === 1 ? '' : 's'}`;
    case 'pending':
      return `erasure pending (due ${formatDay(erasure.deadline)})`;
  }
}
