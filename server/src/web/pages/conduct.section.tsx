import { type ConductRecord, type ContactReason, findProfileField } from '@kith/schemas';
import { CsrfField } from '../csrf.tsx';
import { formatDay } from '../format.ts';
import { Notice } from '../layout.tsx';
import { VendorName } from '../vendor-label.tsx';

export interface ConductSectionProps {
  csrfToken: string;
  vendorName: string;
  vendorKey: string;
  record: ConductRecord;
  /** What "stop sharing the fields they never read" would revoke: grants none of whose fields was read. */
  wouldRevoke: number;
  /** Set right after narrowing, to confirm it. */
  narrowed?: boolean;
  /** Set when narrowing found nothing to do (another tab did it). */
  nothingToNarrow?: boolean;
}

const refusalText: Record<Exclude<ContactReason, 'allowed'>, string> = {
  weekly_limit_reached: 'over your weekly limit',
  quiet_hours: 'in your quiet hours',
  channel_not_allowed: 'by a channel you do not allow',
  purpose_not_allowed: 'for a reason you did not allow',
  marketing_refused: 'to sell you something, which you refused',
  do_not_contact: 'while you asked not to be contacted',
};

/** On a vendor's page: how it behaved, in sentences, and one click to stop sharing what it never read. */
export function ConductSection(props: ConductSectionProps) {
  const { record } = props;
  const name = <VendorName name={props.vendorName} />;
  const { granted, read, unread } = record.fields;
  return (
    <section class="card" id="conduct" aria-labelledby="conduct-title" data-kith="conduct">
      <h2 id="conduct-title">How they have behaved</h2>
      <p class="small">Counted from what your vault already records; nothing more is tracked.</p>
      {props.narrowed && (
        <Notice kind="success" title="Sharing narrowed">
          <p>{name} has been told, and from now on can read only what it actually used.</p>
        </Notice>
      )}
      {props.nothingToNarrow && (
        <Notice kind="info" title="Nothing to stop sharing">
          <p>{name} read every detail it still holds.</p>
        </Notice>
      )}
      <ul class="conduct" data-kith="conduct-facts">
        <li>
          You approved {count(record.grants.approved, 'request')} and declined {record.grants.declined}
          {record.grants.shared > 0 && `; you shared unasked ${times(record.grants.shared)}`}. You revoked{' '}
          {count(record.grants.revokedByOwner, 'grant')}; they gave back {record.grants.relinquishedByVendor}.
        </li>
        <li>
          {record.terms.accepted === 0
            ? 'No grant was given under terms you offered.'
            : `They accepted your terms on ${count(record.terms.accepted, 'grant')} (${record.terms.agreements
                .map((a) => `${a.id} v${a.version}`)
                .join(', ')}).`}
        </li>
        <li data-kith="conduct-fields">
          {granted.length === 0
            ? 'You share nothing with them now.'
            : `They read ${read.length} of the ${count(granted.length, 'detail')} you share in the last ${record.window.days} days${
                read.length > 0 ? `: ${labels(read)}` : ''
              }.`}
          {unread.length > 0 && ` Never read: ${labels(unread)}.`}
        </li>
        <li>
          {count(record.reads.total, 'read')} in the last {record.window.days} days.
          <ReadsChart record={record} />
        </li>
        <li data-kith="conduct-contact">
          They asked {times(record.contactChecks.allowed + record.contactChecks.refused)} whether they may
          contact you: {record.contactChecks.allowed} allowed, {record.contactChecks.refused} refused
          {refusals(record.contactChecks.refusedBy)}.
        </li>
        <li>
          They contacted you {times(record.contacts.recorded)} within your terms
          {record.contacts.outsideTerms > 0
            ? ` and tried ${times(record.contacts.outsideTerms)} outside them (refused${refusals(record.contacts.refusedBy)})`
            : ', never outside them'}
          .
        </li>
        <li>{erasureSentence(record.erasures)}</li>
        <li>{webhookSentence(record.webhooks)}</li>
      </ul>
      {unread.length > 0 && record.grants.live > 0 && (
        <details class="disclosure">
          <summary>Stop sharing the details they never read</summary>
          <p>
            {name} will no longer get: {labels(unread)}. It is told at once, and your receipts show the
            narrower grant.
            {props.wouldRevoke > 0 &&
              ` ${props.wouldRevoke === 1 ? 'One grant gives' : `${props.wouldRevoke} grants give`} only details they never read: ${props.wouldRevoke === 1 ? 'it' : 'they'} will be revoked.`}
          </p>
          <form method="post" action={`/vendors/${props.vendorKey}/conduct/narrow`}>
            <CsrfField token={props.csrfToken} />
            <button type="submit" class="button button--primary">
              Yes, stop sharing them
            </button>
          </form>
        </details>
      )}
    </section>
  );
}

/** Reads per week as bars: an image with its numbers in its label, no script, no inline style. */
function ReadsChart(props: { record: ConductRecord }) {
  const weeks = props.record.reads.perWeek;
  const most = Math.max(1, ...weeks.map((w) => w.reads));
  const width = 20;
  const height = 48;
  const description = `Reads per week, oldest first: ${weeks
    .map((w) => `week from ${formatDay(Date.parse(w.weekStart))}: ${w.reads}`)
    .join('; ')}.`;
  return (
    <svg
      class="chart"
      role="img"
      aria-label={description}
      viewBox={`0 0 ${weeks.length * width} ${height + 2}`}
      width={weeks.length * width}
      height={height + 2}
      data-kith="reads-chart"
    >
      <title>{description}</title>
      <line x1="0" y1={height + 1} x2={weeks.length * width} y2={height + 1} stroke="currentColor" />
      {weeks.map((w, i) => {
        const h = Math.round((w.reads / most) * height);
        return <rect x={i * width + 3} y={height - h} width={width - 6} height={h} fill="currentColor" />;
      })}
    </svg>
  );
}

function erasureSentence(e: ConductRecord['erasures']): string {
  const total = e.onTime + e.late + e.overdue + e.pending;
  if (total === 0) return 'You never asked them to erase your data.';
  const parts = [
    e.onTime > 0 && `${e.onTime} confirmed on time`,
    e.late > 0 && `${e.late} confirmed late`,
    e.overdue > 0 && `${e.overdue} overdue`,
    e.pending > 0 && `${e.pending} not yet due`,
  ].filter(Boolean);
  return `You asked them to erase your data ${times(total)}: ${parts.join(', ')}.`;
}

function refusals(by: Record<Exclude<ContactReason, 'allowed'>, number>): string {
  const parts = Object.entries(by)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${n} ${refusalText[reason as keyof typeof refusalText]}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

function webhookSentence(w: ConductRecord['webhooks']): string {
  const total = w.delivered + w.pending + w.failed;
  if (total === 0) return 'Your vault has sent them no messages yet.';
  const rest = [
    w.pending > 0 && `${w.pending} still being tried`,
    w.failed > 0 && `${w.failed} never arrived`,
  ];
  return `Of ${count(total, 'message')} your vault sent them, ${[`${w.delivered} arrived`, ...rest.filter(Boolean)].join(', ')}.`;
}

function times(n: number): string {
  return n === 0 ? 'never' : n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`;
}

function labels(paths: string[]): string {
  return paths.map((p) => findProfileField(p)?.label ?? p).join(', ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
