import { Layout, Notice } from '../layout.tsx';

export interface NewPasskeyPageProps {
  nonce: string;
  csrfToken: string;
  /** Where she was going when she signed in with a code (already checked to stay on this site); `/` if nowhere. */
  next: string;
}

/**
 * After a recovery code: straight to a new passkey, so the next sign-in needs
 * no code; then on to where she was going (an approval link waits for her).
 */
export function NewPasskeyPage(props: NewPasskeyPageProps) {
  const goingOn = props.next !== '/';
  const waiting = props.next.startsWith('/approve');
  return (
    <Layout title="Register a new passkey" nonce={props.nonce} csrfToken={props.csrfToken} signedIn passkeys>
      <div class="narrow">
        <h1>Register a new passkey</h1>
        <Notice kind="success" title="You are in.">
          <p>
            Your recovery code is now used up, and every other session was signed out. Create a new passkey on
            this device so that you will not need a code next time.
          </p>
          {waiting && <p>Then you go straight on to what the vendor asks for.</p>}
        </Notice>
        <section class="card" aria-labelledby="new-passkey-title">
          <h2 id="new-passkey-title">Create a passkey</h2>
          <p>Your device asks you to confirm with your fingerprint, face or screen lock.</p>
          <button
            type="button"
            class="button button--primary button--wide"
            data-kith="add-passkey"
            data-next={goingOn ? props.next : undefined}
          >
            Create a passkey
          </button>
          <p class="status" data-kith-status role="status" aria-live="polite" />
        </section>
        <p>
          {goingOn ? (
            <a href={props.next}>{waiting ? 'Not now, go to the request' : 'Not now, carry on'}</a>
          ) : (
            <a href="/security">Not now, go to security settings</a>
          )}
        </p>
      </div>
    </Layout>
  );
}
