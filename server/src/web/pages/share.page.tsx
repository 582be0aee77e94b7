import type { VendorDisplay } from '../../grants/vendor-display.ts';
import { CsrfField } from '../csrf.tsx';
import { Layout, Notice } from '../layout.tsx';
import { VendorAddress, VendorName } from '../vendor-label.tsx';
import { ShareChoices } from './relationship.section.tsx';

export interface SharePageProps {
  nonce: string;
  csrfToken: string;
  /** Vendors the owner has a live relationship with. */
  vendors: VendorDisplay[];
  /** Names of the vendors just shared with, to confirm it. */
  sharedWith?: string[];
  /** Set when the form came back without a vendor or a detail. */
  invalid?: boolean;
}

/**
 * "Send my new address to these three": pick vendors the owner has a live
 * relationship with, the details and the purpose; each gets its own grant.
 */
export function SharePage(props: SharePageProps) {
  return (
    <Layout title="Share details" nonce={props.nonce} csrfToken={props.csrfToken} signedIn current="vendors">
      <p class="small">
        <a href="/vendors">← All vendors</a>
      </p>
      <h1>Share details with vendors you know</h1>
      <p class="lede">
        Give shops and services you already deal with details they did not ask for — a new address, your
        sizes. Each is told at once and can read them until the time you pick.
      </p>
      {props.sharedWith && props.sharedWith.length > 0 && (
        <Notice kind="success" title="Shared">
          <p>Shared with {props.sharedWith.join(', ')}.</p>
        </Notice>
      )}
      {props.invalid && (
        <Notice kind="error" title="Nothing shared">
          <p>Pick at least one vendor and one detail.</p>
        </Notice>
      )}
      {props.vendors.length === 0 ? (
        <div class="empty">
          <p class="empty__title">No vendor to share with.</p>
          <p>You can share with a vendor once you have approved something it asked for.</p>
        </div>
      ) : (
        <form method="post" action="/share" class="card">
          <CsrfField token={props.csrfToken} />
          <fieldset class="field">
            <legend class="field__label">Vendors</legend>
            <div class="checks" data-kith="share-vendors">
              {props.vendors.map((vendor, index) => (
                <div class="check">
                  <input type="checkbox" id={`vendor-${index}`} name="vendors" value={vendor.clientId} />
                  <label for={`vendor-${index}`}>
                    <VendorName name={vendor.name} /> <VendorAddress vendor={vendor} />
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
          <ShareChoices idPrefix="share" />
          <button type="submit" class="button button--primary">
            Share
          </button>
        </form>
      )}
    </Layout>
  );
}
