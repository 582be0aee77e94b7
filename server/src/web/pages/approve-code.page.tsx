import { CsrfField } from '../csrf.tsx';
import { Layout, Notice } from '../layout.tsx';

export interface ApproveCodePageProps {
  nonce: string;
  csrfToken: string;
  code?: string;
  /** Set when the typed code matched no waiting request. */
  notFound?: boolean;
}

/** Where a person types the code a vendor read out to them ("KITH-7Q2F-9XBD"). */
export function ApproveCodePage(props: ApproveCodePageProps) {
  return (
    <Layout title="Enter a code" nonce={props.nonce} csrfToken={props.csrfToken} signedIn>
      <h1>Enter the code you were given</h1>
      <p class="lede">
        A shop or service on the phone can give you a short code. Type it here to see what they ask for.
      </p>
      {props.notFound && (
        <Notice kind="error" title="No request with that code">
          <p>Check the code with them. Codes expire after 15 minutes.</p>
        </Notice>
      )}
      <form method="post" action="/approve" class="card narrow">
        <CsrfField token={props.csrfToken} />
        <div class={`field${props.notFound ? ' field--invalid' : ''}`}>
          <label class="field__label" for="code">
            Code
          </label>
          <input
            id="code"
            name="code"
            type="text"
            class="input--code"
            autocomplete="one-time-code"
            autocapitalize="characters"
            spellcheck={false}
            required
            value={props.code ?? ''}
            placeholder="KITH-XXXX-XXXX"
            aria-invalid={props.notFound ? 'true' : undefined}
          />
        </div>
        <div class="form-actions">
          <button type="submit" class="button button--primary">
            Continue
          </button>
        </div>
      </form>
    </Layout>
  );
}
