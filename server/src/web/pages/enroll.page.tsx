import { Layout } from '../layout.tsx';

export interface EnrollPageProps {
  nonce: string;
  csrfToken: string;
  token: string;
  /** The owner's name; null when the first owner of a new server names themselves. */
  ownerName: string | null;
}

/** Enrollment: registers the owner's first passkey from a one-time link. */
export function EnrollPage(props: EnrollPageProps) {
  return (
    <Layout title="Set up your vault" nonce={props.nonce} csrfToken={props.csrfToken} passkeys>
      <div class="narrow">
        <h1>{props.ownerName ? `Welcome, ${props.ownerName}` : 'Welcome to Kith'}</h1>
        <p class="lede">
          Your vault opens with a passkey: a key kept by your phone or computer and unlocked with your
          fingerprint, face or screen lock. Let's create your first one.
        </p>
        <section class="card" aria-labelledby="enroll-title">
          <h2 id="enroll-title">Create your passkey</h2>
          <ol class="steps">
            <li>Press the button below.</li>
            <li>Your device asks you to confirm with your fingerprint, face or screen lock.</li>
            <li>
              That's it: you are signed in. Next you will save recovery codes, in case you lose this device.
            </li>
          </ol>
          <div data-kith="enroll-form" data-token={props.token}>
            {!props.ownerName && (
              <div class="field">
                <label class="field__label" for="owner-name">
                  Your name
                </label>
                <p class="field__hint" id="owner-name-hint">
                  How this server should know you. Only you and the operator see it.
                </p>
                <input
                  id="owner-name"
                  name="name"
                  type="text"
                  autocomplete="name"
                  maxlength={64}
                  required
                  aria-describedby="owner-name-hint"
                />
              </div>
            )}
            <button type="button" class="button button--primary button--wide" data-kith="enroll">
              Create a passkey
            </button>
          </div>
          <p class="status" data-kith-status role="status" aria-live="polite" />
          <noscript>
            <p class="notice notice--info">
              Creating a passkey needs JavaScript. Please turn it on for this page.
            </p>
          </noscript>
        </section>
        <p class="small">This link works once and expires 24 hours after it was made.</p>
      </div>
    </Layout>
  );
}
