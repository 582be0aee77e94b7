import type { AccessLogEntry, ChainVerification } from '../../audit/audit.service.ts';
import type { VendorDisplay } from '../../grants/vendor-display.ts';
import { formatMoment } from '../format.ts';
import { Layout, Notice } from '../layout.tsx';
import { VendorAddress, VendorName } from '../vendor-label.tsx';

export interface ActivityPageProps {
  nonce: string;
  csrfToken: string;
  entries: (AccessLogEntry & { vendor: VendorDisplay | null })[];
  verification: ChainVerification;
}

/** Everything every vendor did, newest first, and whether the log is intact. */
export function ActivityPage(props: ActivityPageProps) {
  return (
    <Layout title="Activity" nonce={props.nonce} csrfToken={props.csrfToken} signedIn current="vendors">
      <h1>Activity</h1>
      <p class="lede">Every time a vendor read your details, and every grant you gave or ended.</p>
      {props.verification.ok ? (
        <Notice kind="success" title="Your log is intact">
          <p>
            All {props.verification.entries} entries chain together: none was changed or removed since it was
            written.
          </p>
        </Notice>
      ) : (
        <Notice kind="error" title="Your log has been tampered with">
          <p>
            Entry {props.verification.brokenAt}: {props.verification.reason}. Tell whoever runs this server.
          </p>
        </Notice>
      )}
      {props.entries.length === 0 ? (
        <p>Nothing yet.</p>
      ) : (
        <table class="log" data-kith="activity">
          <caption class="visually-hidden">Activity, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((entry) => (
              <tr>
                <td>{formatMoment(Date.parse(entry.at))}</td>
                <td>
                  {entry.vendor ? (
                    <>
                      <VendorName name={entry.vendor.name} /> <VendorAddress vendor={entry.vendor} />
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{entry.action.replace('.', ' ').replace('_', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
