import { DEFAULT_ERASURE_DAYS, MAX_ERASURE_DAYS } from '@kith/schemas';
import type { VendorDisplay } from '../../grants/vendor-display.ts';
import { CsrfField } from '../csrf.tsx';
import { fieldLabel } from '../field-value.ts';
import { Layout } from '../layout.tsx';
import { VendorAddress, VendorName } from '../vendor-label.tsx';

export interface EndRelationshipPageProps {
  nonce: string;
  csrfToken: string;
  vendor: VendorDisplay;
  /** The vendor's path segment (base64url client id). */
  vendorKey: string;
  /** Every field a live grant lets the vendor read now. */
  fields: string[];
}

const ERASURE_DAY_CHOICES = [1, 7, 14, DEFAULT_ERASURE_DAYS, 60, MAX_ERASURE_DAYS];

/**
 * Ending asks for erasure and cannot be undone, so it is confirmed once, here:
 * what ending does, what the vendor keeps, and one button (the erasure
 * deadline preset to 30 days). Keeping the relationship is a link back.
 */
export function EndRelationshipPage(props: EndRelationshipPageProps) {
  const { vendor } = props;
  const back = `/vendors/${props.vendorKey}`;
  return (
    <Layout
      title={`End your relationship with ${vendor.name}?`}
      nonce={props.nonce}
      csrfToken={props.csrfToken}
      signedIn
      current="vendors"
    >
      <h1>
        End your relationship with <VendorName name={vendor.name} />?
      </h1>
      <p class="lede">
        <VendorAddress vendor={vendor} strong />
      </p>
      <form method="post" action={`${back}/end`} class="card" data-kith="end-confirm">
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="confirm" value="yes" />
        <h2>What ending does</h2>
        <ul>
          <li>
            Every grant is revoked at once:{' '}
            {props.fields.length > 0 ? (
              <>
                they can no longer read your <strong>{props.fields.map(fieldLabel).join(', ')}</strong>.
              </>
            ) : (
              'they hold none now.'
            )}
          </li>
          <li>They are told at once and asked to erase everything they hold about you.</li>
          <li>You see here whether they confirm erasing it, or are late.</li>
        </ul>
        <h2>What they keep</h2>
        <p>
          What they already copied, until they erase it, and records the law makes them keep (such as
          invoices). Your vault keeps its record of what they read, and your receipts.
        </p>
        <div class="field">
          <label class="field__label" for="erasure-days">
            Time they get to erase your data
          </label>
          <select id="erasure-days" name="erasure_days" class="input--medium">
            {ERASURE_DAY_CHOICES.map((days) => (
              <option value={String(days)} selected={days === DEFAULT_ERASURE_DAYS}>
                {days} day{days === 1 ? '' : 's'}
              </option>
            ))}
          </select>
        </div>
        <div class="form-actions">
          <button type="submit" class="button button--danger">
            <span>
              End relationship with <VendorName name={vendor.name} />
            </span>
          </button>
          <a class="button button--secondary" href={back}>
            Keep it
          </a>
        </div>
      </form>
    </Layout>
  );
}
