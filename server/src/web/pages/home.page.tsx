import { Layout, Notice } from '../layout.tsx';
import { VendorItem, type VendorSummary } from './vendors.page.tsx';

export interface HomePageProps {
  nonce: string;
  csrfToken: string;
  name: string;
  filled: number;
  total: number;
  passkeys: number;
  recoveryCodesLeft: number;
  /** Who holds what, live relationships first. */
  vendors: VendorSummary[];
}

/** Home: who you are, how complete your profile is, who holds what (vendors, once grants exist). */
export function HomePage(props: HomePageProps) {
  const percent = Math.round((props.filled / props.total) * 100);
  return (
    <Layout title="Your vault" nonce={props.nonce} csrfToken={props.csrfToken} signedIn current="home">
      <h1>Hello, {props.name}</h1>
      <p class="lede">
        This is your vault. You decide who may read what, for how long, and how they may contact you.
      </p>
      {props.recoveryCodesLeft === 0 && (
        <Notice kind="info" title="Save recovery codes">
          <p>
            If you lose every passkey, a recovery code is the only way back in.{' '}
            <a href="/security#recovery-codes">Create your recovery codes</a>.
          </p>
        </Notice>
      )}
      <div class="grid">
        <section class="card" aria-labelledby="profile-title">
          <h2 id="profile-title">Your profile</h2>
          <p id="profile-progress-label">
            {props.filled} of {props.total} details filled in
          </p>
          <progress
            class="progress"
            max={props.total}
            value={props.filled}
            aria-labelledby="profile-progress-label"
          >
            {percent}%
          </progress>
          <p class="card__actions">
            <a class="button button--primary" href="/profile">
              {props.filled === 0 ? 'Fill in your profile' : 'Edit your profile'}
            </a>
          </p>
        </section>
        <section class="card" aria-labelledby="security-title">
          <h2 id="security-title">Signing in</h2>
          <dl class="facts">
            <div>
              <dt>Passkeys</dt>
              <dd>{props.passkeys}</dd>
            </div>
            <div>
              <dt>Recovery codes left</dt>
              <dd>{props.recoveryCodesLeft}</dd>
            </div>
          </dl>
          <p class="card__actions">
            <a class="button button--secondary" href="/security">
              Manage security
            </a>
          </p>
        </section>
      </div>
      <section class="card" aria-labelledby="vendors-title">
        <h2 id="vendors-title">Vendors</h2>
        {props.vendors.length === 0 ? (
          <div class="empty" data-kith-section="vendors">
            <p class="empty__title">No vendor can read anything yet.</p>
            <p>
              When a shop or service asks for your details, you will approve it here, field by field, and see
              every time they read them. You can end any relationship in one step.
            </p>
          </div>
        ) : (
          <ul class="items" data-kith-section="vendors">
            {props.vendors.slice(0, 5).map((summary) => (
              <VendorItem summary={summary} />
            ))}
          </ul>
        )}
        <p class="card__actions">
          <a class="button button--secondary" href="/vendors">
            See every vendor
          </a>{' '}
          <a class="button button--secondary" href="/approve">
            Enter a code
          </a>
        </p>
      </section>
      <section class="card" aria-labelledby="export-title">
        <h2 id="export-title">Your data, to take with you</h2>
        <p>Download everything your vault holds about you as one JSON file.</p>
        <p class="card__actions">
          <a class="button button--secondary" href="/v1/me/export" download>
            Download my data
          </a>
        </p>
      </section>
    </Layout>
  );
}
