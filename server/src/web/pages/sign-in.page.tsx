import { CsrfField } from '../csrf.tsx';
import { Layout, Notice } from '../layout.tsx';

export interface SignInPageProps {
  nonce: string;
  csrfToken: string;
  signedOut?: boolean;
  recoveryFailed?: boolean;
  sessionEnded?: boolean;
  /** Where to go once signed in (already checked to stay on this site). */
  next?: string;
}

/**
 * Sign-in: a passkey button (with autofill where the browser offers it) and,
 * folded away, a recovery code form that works without JavaScript.
 */
export function SignInPage(props: SignInPageProps) {
  return (
    <Layout title="Sign in" nonce={props.nonce} csrfToken={props.csrfToken} passkeys>
      <div class="narrow">
        <h1>Sign in to your vault</h1>
        {props.signedOut && <Notice kind="success" title="You are signed out." />}
        {props.sessionEnded && <Notice kind="info" title="Please sign in again." />}
        {props.next?.startsWith('/approve') && (
          <Notice kind="info" title="A vendor is waiting for your answer">
            <p>
              Sign in, and you will go straight to what they ask for. Nothing is shared until you approve.
            </p>
          </Notice>
        )}
        <p class="lede">
          Use the passkey on your phone or computer: your fingerprint, face or screen lock opens your vault.
          There is no password to steal.
        </p>
        <section class="card" aria-labelledby="passkey-title">
          <h2 id="passkey-title">With a passkey</h2>
          <div class="field">
            <label class="field__label" for="passkey-autofill">
              Saved passkey
            </label>
            <p class="field__hint" id="passkey-autofill-hint">
              Tap here and your browser may offer it, or use the button below.
            </p>
            <input
              id="passkey-autofill"
              type="text"
              name="username"
              autocomplete="username webauthn"
              aria-describedby="passkey-autofill-hint"
            />
          </div>
          <button
            type="button"
            class="button button--primary button--wide"
            data-kith="sign-in"
            data-next={props.next ?? '/'}
          >
            Sign in with a passkey
          </button>
          <p class="status" data-kith-status role="status" aria-live="polite" />
          <noscript>
            <p class="notice notice--info">
              Passkeys need JavaScript. Without it, you can still use a recovery code.
            </p>
          </noscript>
        </section>
        <details class="card disclosure" open={props.recoveryFailed}>
          <summary>Lost your passkeys? Use a recovery code</summary>
          {props.recoveryFailed && (
            <Notice kind="error" title="Sign-in failed.">
              <p>Check the code and try again. Each code works only once.</p>
            </Notice>
          )}
          <form method="post" action="/sign-in/recovery">
            <CsrfField token={props.csrfToken} />
            {props.next && props.next !== '/' && <input type="hidden" name="next" value={props.next} />}
            <div class="field">
              <label class="field__label" for="recovery-code">
                Recovery code
              </label>
              <p class="field__hint" id="recovery-code-hint">
                One of the ten codes you saved, like 7Q2F-9XKD-M4TB-P8WR.
              </p>
              <input
                id="recovery-code"
                name="code"
                type="text"
                autocomplete="one-time-code"
                autocapitalize="characters"
                spellcheck={false}
                required
                aria-describedby="recovery-code-hint"
                class="input--code"
              />
            </div>
            <button type="submit" class="button button--secondary">
              Sign in with this code
            </button>
          </form>
        </details>
      </div>
    </Layout>
  );
}
