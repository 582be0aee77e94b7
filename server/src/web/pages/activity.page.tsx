import type { AccessLogStatus } from '../../audit/access-log-verifier.ts';
import type { AccessLogEntry } from '../../audit/audit.service.ts';
import type { VendorDisplay } from '../../grants/vendor-display.ts';
import { formatMoment } from '../format.ts';
import { Layout, Notice } from '../layout.tsx';
import { VendorAddress } from '../vendor-label.tsx';
import { ActivitySentence } from './activity-sentence.tsx';

export interface ActivityPageProps {
  nonce: string;
  csrfToken: string;
  entries: (AccessLogEntry & { vendor: VendorDisplay | null })[];
  verification: AccessLogStatus;
}

/** Everything every vendor did, newest first, each in a sentence, and whether the log is intact. */
export function ActivityPage(props: ActivityPageProps) {
  return (
    <Layout title="Activity" nonce={props.nonce} csrfToken={props.csrfToken} signedIn current="vendors">
      <h1>Activity</h1>
      <p class="lede">Every time a vendor read your details, and every grant you gave or ended.</p>
      <Verification verification={props.verification} />
      {props.entries.length === 0 ? (
        <p>Nothing yet.</p>
      ) : (
        <table class="log" data-kith="activity">
          <caption class="visually-hidden">Activity, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What happened</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((entry) => (
              <tr>
                <td>{formatMoment(Date.parse(entry.at))}</td>
                <td data-kith="activity-sentence">
                  <ActivitySentence entry={entry} vendorName={entry.vendor?.name ?? null} />
                  {entry.vendor && (
                    <>
                      {' '}
                      <VendorAddress vendor={entry.vendor} />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** Whether the log is intact, as far as it has been checked. */
function Verification(props: { verification: AccessLogStatus }) {
  const v = props.verification;
  if (v.ok === null) {
    return (
      <Notice kind="info" title="Checking your log…">
        <p>
          {v.verified} of {v.entries} entries checked so far; the rest are being checked now. Reload this page
          in a while to see the result.
        </p>
      </Notice>
    );
  }
  if (v.ok) {
    return (
      <Notice kind="success" title="Your log is intact">
        <p>All {v.entries} entries chain together: none was changed or removed since it was written.</p>
      </Notice>
    );
  }
  return (
    <Notice kind="error" title="Your log has been tampered with">
      <p>
        Entry {v.brokenAt}: {v.reason}. Tell whoever runs this server.
      </p>
    </Notice>
  );
}
