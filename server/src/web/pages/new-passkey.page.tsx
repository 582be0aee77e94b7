import { Layout, Notice } from '../layout.tsx';

export interface NewPasskeyPageProps {
  nonce: string;
  csrfToken: string;
}

/** After a recovery code: straight to a new passkey, so the next sign-in needs no code. */
export function NewPasskeyPage(props: NewPasskeyPageProps) {
  return (
    <Layout title="Register a new passkey" nonce={props.nonce} csrfToken={props.csrfToken} signedIn passkeys>
      <div class="narrow">
        <h1>Register a new passkey</h1>
        <Notice kind="success" title="You are in.">
          <p>
            Your recovery code is now used up, and every other session was signed out. Create a new passkey on
            this device so that you will not need a code next time.
          </p>
        </Notice>
        <section class="card" aria-labelledby="new-passkey-title">
          <h2 id="new-passkey-title">Create a passkey</h2>
          <p>Your device asks you to confirm with your fingerprint, face or screen lock.</p>
          <button type="button" class="button button--primary button--wide" data-kith="add-passkey">
            Create a passkey
          </button>
          <p class="status" data-kith-status role="status" aria-live="polite" />
        </section>
        <p>
          <a href="/security">Not now, go to security settings</a>
        </p>
      </div>
    </Layout>
  );
}
