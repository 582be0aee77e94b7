import type { Agreement } from '@kith/schemas';
import { Notice } from '../layout.tsx';
import { AgreementFacts } from './terms.page.tsx';

/** The terms side of a request: what the owner proffers, what the vendor accepted. */
export interface ApproveTerms {
  /** The agreement the owner proffers to this vendor, or null. */
  proffered: Agreement | null;
  /** The agreements the vendor accepted in its signed request. */
  accepted: Agreement[];
}

/**
 * On the approve page: the owner's terms and the vendor's answer to them.
 * When the vendor accepted them, the grant is given under them; when it did
 * not, the page says so plainly and offers the agreements the vendor did
 * accept side by side, to approve under one of those instead (or decline).
 */
export function TermsChoice({ terms }: { terms: ApproveTerms }) {
  const { proffered, accepted } = terms;
  if (proffered === null && accepted.length === 0) return null;
  const agreed =
    proffered !== null && accepted.some((a) => a.id === proffered.id && a.version === proffered.version);
  if (agreed) {
    return (
      <section data-kith="terms" data-terms-state="agreed">
        <h2>On your terms</h2>
        <p>
          They accepted the agreement you offer: <strong>{proffered.title}</strong>.{' '}
          <a href={`/terms/${proffered.id}/${proffered.version}`}>Read it</a>
        </p>
        <AgreementFacts agreement={proffered} />
      </section>
    );
  }
  return (
    <section data-kith="terms" data-terms-state={proffered ? 'not-accepted' : 'vendor-offers'}>
      <h2>Terms</h2>
      {proffered ? (
        <Notice kind="error" title="They have not accepted your terms">
          <p>
            You offer <strong>{proffered.title}</strong>; this vendor did not accept it.{' '}
            {accepted.length > 0
              ? 'You can approve under an agreement they did accept, or decline.'
              : 'They accepted no agreement at all, so you can only decline, or change your terms for them.'}
          </p>
        </Notice>
      ) : (
        <p>They accept these agreements. Pick one to hold them to it, or approve on their own terms.</p>
      )}
      {accepted.length > 0 && (
        <fieldset class="terms-choice">
          <legend>Approve under</legend>
          <div class="terms-choice__options">
            {accepted.map((agreement, index) => (
              <label class="choice card">
                <input
                  type="radio"
                  name="agreement"
                  value={agreement.id}
                  checked={proffered !== null && index === 0}
                />
                <span>
                  <strong>{agreement.title}</strong> — {agreement.summary}{' '}
                  <a href={`/terms/${agreement.id}/${agreement.version}`}>Read it</a>
                </span>
                <AgreementFacts agreement={agreement} />
              </label>
            ))}
            {proffered === null && (
              <label class="choice card">
                <input type="radio" name="agreement" value="" checked />
                <span>
                  <strong>No agreement</strong> — their own terms
                </span>
              </label>
            )}
          </div>
        </fieldset>
      )}
    </section>
  );
}
