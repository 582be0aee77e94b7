import { Layout } from '../layout.tsx';
import { VendorName } from '../vendor-label.tsx';

export interface DecidedPageProps {
  nonce: string;
  csrfToken: string;
  vendorName: string;
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
            <VendorName name={props.vendorName} /> can now read what you approved
          </>
        ) : (
          <>
            You declined <VendorName name={props.vendorName} />
          </>
        )}
      </h1>
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
