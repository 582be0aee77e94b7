import type { Agreement, AgreementRef } from '@kith/schemas';
import { CsrfField } from '../csrf.tsx';
import { Layout, Notice } from '../layout.tsx';

/** What an agreement's machine-readable terms mean, in words a person reads. */
export function AgreementFacts({ agreement }: { agreement: Agreement }) {
  const { terms } = agreement;
  return (
    <ul class="facts" data-kith="agreement-facts">
      <li>
        {terms.third_party_sharing === 'none' ? 'Shared with nobody' : 'Only their processors may handle it'}
      </li>
      <li>{terms.tracking === 'none' ? 'No tracking' : 'Only within their own service'}</li>
      <li>{terms.contact.purposes.includes('marketing') ? 'Offers allowed' : 'No marketing'}</li>
      <li>
        Erased within {terms.retention_days} {terms.retention_days === 1 ? 'day' : 'days'} of goodbye
      </li>
    </ul>
  );
}

/** One agreement's full text: public, for vendors and owners alike. */
export function AgreementPage(props: {
  nonce: string;
  csrfToken: string;
  agreement: Agreement;
  ref: AgreementRef;
}) {
  const { agreement } = props;
  return (
    <Layout title={agreement.title} nonce={props.nonce} csrfToken={props.csrfToken}>
      <h1>{agreement.title}</h1>
      <p class="lede">{agreement.summary}</p>
      {agreement.text.map((paragraph) => (
        <p>{paragraph}</p>
      ))}
      <AgreementFacts agreement={agreement} />
      <p class="muted">
        Standard agreement <code>{agreement.id}</code>, version {agreement.version}, SHA-256{' '}
        <code class="wrap">{props.ref.sha256}</code>. Ask for it as JSON with{' '}
        <code>Accept: application/json</code>.
      </p>
    </Layout>
  );
}

export interface TermsPageProps {
  nonce: string;
  csrfToken: string;
  agreements: readonly Agreement[];
  /** The id of the agreement proffered by default, or null. */
  current: string | null;
  /** Vendors offered another agreement than the default. */
  overrides: { vendorName: string; clientId: string; title: string }[];
  saved: boolean;
}

/** The owner picks the agreement they offer every vendor. */
export function TermsPage(props: TermsPageProps) {
  return (
    <Layout title="Your terms" nonce={props.nonce} csrfToken={props.csrfToken} signedIn current="vendors">
      <h1>Your terms</h1>
      <p class="lede">
        Pick the agreement you offer every vendor. A vendor that asks for your details must accept it, or you
        decide case by case.
      </p>
      {props.saved && <Notice kind="success" title="Saved. Vendors holding your details have been told." />}
      <form method="post" action="/terms" class="stack">
        <CsrfField token={props.csrfToken} />
        <fieldset>
          <legend>The agreement you offer</legend>
          {props.agreements.map((agreement) => (
            <label class="choice">
              <input
                type="radio"
                name="agreement"
                value={agreement.id}
                checked={props.current === agreement.id}
              />
              <span>
                <strong>{agreement.title}</strong> — {agreement.summary}{' '}
                <a href={`/terms/${agreement.id}/${agreement.version}`}>Read it</a>
              </span>
            </label>
          ))}
          <label class="choice">
            <input type="radio" name="agreement" value="" checked={props.current === null} />
            <span>
              <strong>None</strong> — vendors ask on their own terms, as most do today
            </span>
          </label>
        </fieldset>
        <button type="submit" class="button">
          Save my terms
        </button>
      </form>
      {props.overrides.length > 0 && (
        <section>
          <h2>Vendors offered another agreement</h2>
          <ul>
            {props.overrides.map((o) => (
              <li>
                <bdi>{o.vendorName}</bdi> ({o.clientId}): {o.title}
              </li>
            ))}
          </ul>
        </section>
      )}
    </Layout>
  );
}
