import type { Agreement } from '@kith/schemas';
import { CsrfField } from '../csrf.tsx';
import { Notice } from '../layout.tsx';

export interface VendorTermsSectionProps {
  vendorKey: string;
  vendorName: string;
  csrfToken: string;
  agreements: readonly Agreement[];
  /** The id of the agreement offered to this vendor in particular, or null to follow the default. */
  override: string | null;
  /** The default agreement, or null when the owner offers none. */
  fallback: Agreement | null;
  saved: boolean;
}

/** On a vendor's page: the agreement the owner offers this vendor, changeable in one step. */
export function VendorTermsSection(props: VendorTermsSectionProps) {
  const followLabel = props.fallback ? `Your default: ${props.fallback.title}` : 'Your default: none';
  return (
    <section class="card" aria-labelledby="terms-title" data-kith="vendor-terms">
      <h2 id="terms-title">Your terms for them</h2>
      {props.saved && <Notice kind="success" title={`Saved. ${props.vendorName} has been told.`} />}
      <form method="post" action={`/vendors/${props.vendorKey}/terms`} class="stack">
        <CsrfField token={props.csrfToken} />
        <div class="field">
          <label class="field__label" for="vendor-agreement">
            The agreement you offer <bdi>{props.vendorName}</bdi>
          </label>
          <select id="vendor-agreement" name="agreement" class="input--medium">
            <option value="" selected={props.override === null}>
              {followLabel}
            </option>
            {props.agreements.map((agreement) => (
              <option value={agreement.id} selected={props.override === agreement.id}>
                {agreement.title}
              </option>
            ))}
          </select>
          <p class="field__hint">
            Grants you already gave keep their terms; their next request is judged by this one.{' '}
            <a href="/terms">About your terms</a>
          </p>
        </div>
        <button type="submit" class="button button--secondary">
          Save terms for them
        </button>
      </form>
    </section>
  );
}
