import { purposes } from '@kith/schemas';
import type { AccessLogEntry } from '../../audit/audit.service.ts';
import type { OwnerGrant } from '../../grants/grant.service.ts';
import type { VendorDisplay } from '../../grants/vendor-display.ts';
import { CsrfField } from '../csrf.tsx';
import { fieldLabel } from '../field-value.ts';
import { formatMoment } from '../format.ts';
import { Layout, Notice } from '../layout.tsx';
import { VendorAddress, VendorName } from '../vendor-label.tsx';
import { ConductSection, type ConductSectionProps } from './conduct.section.tsx';
import { ContactSection, type ContactSectionProps } from './contact.section.tsx';
import {
  RelationshipSection,
  type RelationshipSectionProps,
  ShareSection,
  type ShareSectionProps,
} from './relationship.section.tsx';
import { VendorTermsSection, type VendorTermsSectionProps } from './vendor-terms.section.tsx';

export interface VendorPageProps {
  nonce: string;
  csrfToken: string;
  vendor: VendorDisplay;
  grants: OwnerGrant[];
  log: AccessLogEntry[];
  /** Set right after a revoke, to confirm it. */
  revoked?: boolean;
  /** Whether messages reach the vendor, the erasure, and ending it. */
  relationship?: Omit<RelationshipSectionProps, 'csrfToken' | 'vendorName'>;
  /** Sharing details the vendor did not ask for, while the relationship is live. */
  share?: Omit<ShareSectionProps, 'csrfToken' | 'vendorName'>;
  /** How the vendor may contact the owner, and every time it asked. */
  contact?: Omit<ContactSectionProps, 'csrfToken' | 'vendorName'>;
  /** The agreement the owner offers this vendor. */
  terms?: Omit<VendorTermsSectionProps, 'csrfToken' | 'vendorName'>;
  /** How the vendor behaved, and stopping what it never read. */
  conduct?: Omit<ConductSectionProps, 'csrfToken' | 'vendorName'>;
}

const actionText: Record<string, string> = {
  'data.read': 'Read',
  'data.read_unchanged': 'Checked for changes (nothing new)',
  'grant.approved': 'You approved',
  'grant.declined': 'You declined',
  'grant.collected': 'Received the grant',
  'grant.revoked': 'You revoked',
  'grant.relinquished': 'Gave the grant back',
  'grant.narrowed': 'You stopped sharing what it never read',
  'grant.shared': 'You shared, unasked',
  'relationship.ended': 'You ended the relationship',
  'erasure.acknowledged': 'Confirmed it erased your data',
  'contact.terms_changed': 'You changed how it may contact you',
  'terms.changed': 'You changed the terms you offer it',
};

/** One vendor: its grants (revoke in one click, receipts to download) and everything it did. */
export function VendorPage(props: VendorPageProps) {
  const live = props.grants.filter((g) => g.live);
  const ended = props.grants.filter((g) => !g.live);
  return (
    <Layout
      title={props.vendor.name}
      nonce={props.nonce}
      csrfToken={props.csrfToken}
      signedIn
      current="vendors"
    >
      <p class="small">
        <a href="/vendors">← All vendors</a>
      </p>
      <h1>
        <VendorName name={props.vendor.name} />
      </h1>
      <p class="lede">
        Verified address: <VendorAddress vendor={props.vendor} strong />
      </p>
      {props.revoked && (
        <Notice kind="success" title="Revoked">
          <p>
            <VendorName name={props.vendor.name} /> can no longer read those details. Its next attempt will be
            refused.
          </p>
        </Notice>
      )}
      <section class="card" aria-labelledby="live-title">
        <h2 id="live-title">What they can read now</h2>
        {live.length === 0 ? (
          <p>
            Nothing. <VendorName name={props.vendor.name} /> holds no live grant.
          </p>
        ) : (
          <ul class="items" data-kith="live-grants">
            {live.map((grant) => (
              <GrantItem grant={grant} csrfToken={props.csrfToken} />
            ))}
          </ul>
        )}
      </section>
      {props.relationship && (
        <RelationshipSection
          {...props.relationship}
          csrfToken={props.csrfToken}
          vendorName={props.vendor.name}
        />
      )}
      {props.share && live.length > 0 && (
        <ShareSection {...props.share} csrfToken={props.csrfToken} vendorName={props.vendor.name} />
      )}
      {props.contact && (
        <ContactSection {...props.contact} csrfToken={props.csrfToken} vendorName={props.vendor.name} />
      )}
      {props.terms && (
        <VendorTermsSection {...props.terms} csrfToken={props.csrfToken} vendorName={props.vendor.name} />
      )}
      {props.conduct && (
        <ConductSection {...props.conduct} csrfToken={props.csrfToken} vendorName={props.vendor.name} />
      )}
      <section class="card" aria-labelledby="log-title">
        <h2 id="log-title">What they did</h2>
        {props.log.length === 0 ? (
          <p>Nothing yet.</p>
        ) : (
          <table class="log" data-kith="access-log">
            <caption class="visually-hidden">Every read and change, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {props.log.map((entry) => (
                <tr>
                  <td>{formatMoment(Date.parse(entry.at))}</td>
                  <td>{actionText[entry.action] ?? entry.action}</td>
                  <td>{fieldsOf(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {ended.length > 0 && (
        <section class="card" aria-labelledby="ended-title">
          <h2 id="ended-title">Ended grants</h2>
          <ul class="items">
            {ended.map((grant) => (
              <li class="item">
                <div class="item__main">
                  <p class="item__title">{grant.fields.map(fieldLabel).join(', ')}</p>
                  <p class="item__meta">
                    {grant.revokedAt
                      ? `${grant.revokedBy === 'vendor' ? 'Given back' : 'Revoked'} ${formatMoment(grant.revokedAt)}`
                      : `Expired ${formatMoment(grant.expiresAt)}`}
                  </p>
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
    </Layout>
  );
}

function GrantItem(props: { grant: OwnerGrant; csrfToken: string }) {
  const { grant } = props;
  return (
    <li class="item">
      <div class="item__main">
        <p class="item__title">{grant.fields.map(fieldLabel).join(', ')}</p>
        <p class="item__meta">
          {purposes[grant.purpose].label} · until {formatMoment(grant.expiresAt)} · read {grant.reads} time
          {grant.reads === 1 ? '' : 's'}
          {grant.lastReadAt ? `, last ${formatMoment(grant.lastReadAt)}` : ''}
        </p>
        {grant.hasReceipt && (
          <p class="item__meta">
            <a href={`/v1/me/grants/${grant.id}/receipt`} download>
              Download the signed receipt
            </a>
          </p>
        )}
      </div>
      <form method="post" action={`/grants/${grant.id}/revoke`} class="item__actions">
        <CsrfField token={props.csrfToken} />
        <button type="submit" class="button button--danger button--small">
          Revoke
        </button>
      </form>
    </li>
  );
}

function fieldsOf(entry: AccessLogEntry): string {
  const fields = entry.detail.fields;
  return Array.isArray(fields) ? fields.map((f) => fieldLabel(String(f))).join(', ') : '';
}
