import type { VendorDisplay } from '../../grants/vendor-display.ts';
import { Layout } from '../layout.tsx';
import { VendorAddress, VendorName } from '../vendor-label.tsx';

export interface DecidedPageProps {
  nonce: string;
  csrfToken: string;
  vendor: VendorDisplay;
  approved: boolean;
}

/** After answering a request that has no redirect (a phone call): what happened and where to look. */
export function DecidedPage(props: DecidedPageProps) {
  return (
    <Layout
      title={props.approved ? 'Approved' : 'Declined'}
      nonce={props.nonce}
      csrfToken={props.csrfToken}
      signedIn
    >
      <h1>
        {props.approved ? (
          <>
            <VendorName name={props.vendor.name} /> can now read what you approved
          </>
        ) : (
          <>
            You declined <VendorName name={props.vendor.name} />
          </>
        )}
      </h1>
      <p>
        <VendorAddress vendor={props.vendor} />
      </p>
      <p class="lede">
        {props.approved
          ? 'You can tell them you are done. Every time they read your details, it shows in your vault.'
          : 'They received nothing. You can tell them you are done.'}
      </p>
      <p>
        <a class="button button--secondary" href="/vendors">
          See your vendors
        </a>
      </p>
    </Layout>
  );
}
