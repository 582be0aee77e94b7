import { describeDevice } from '../../owners/device-name.ts';
import type { Passkey } from '../../owners/passkey.service.ts';
import type { SessionSummary } from '../../owners/session.service.ts';
import { CsrfField } from '../csrf.tsx';
import { formatMoment } from '../format.ts';
import { Layout, Notice } from '../layout.tsx';

export interface SecurityPageProps {
  nonce: string;
  csrfToken: string;
  passkeys: Passkey[];
  recoveryCodesLeft: number;
  sessions: SessionSummary[];
  /** Just generated: shown this once. */
  newRecoveryCodes?: string[];
  /** A banner for what just happened. */
  notice?: SecurityNotice;
}

export type SecurityNotice =
  | 'welcome'
  | 'passkey-added'
  | 'passkey-removed'
  | 'passkey-renamed'
  | 'sessions-ended'
  | 'reauthenticate'
  | 'last-passkey'
  | 'rename-invalid';

const notices: Record<SecurityNotice, { kind: 'success' | 'error' | 'info'; title: string; body?: string }> =
  {
    welcome: {
      kind: 'success',
      title: 'Your passkey is set up and you are signed in.',
      body: 'Now create recovery codes: they are your way back in if you ever lose every passkey.',
    },
    'passkey-added': { kind: 'success', title: 'Your new passkey is ready.' },
    'passkey-removed': {
      kind: 'success',
      title: 'The passkey was removed. It can no longer open your vault.',
    },
    'passkey-renamed': { kind: 'success', title: 'The passkey was renamed.' },
    'sessions-ended': { kind: 'success', title: 'You are signed out everywhere else.' },
    reauthenticate: {
      kind: 'info',
      title: 'Confirm it is you first.',
      body: 'For changes to how you sign in, confirm with a passkey, then try again.',
    },
    'last-passkey': {
      kind: 'error',
      title: 'This is your only way in.',
      body: 'Add another passkey or create recovery codes before removing it.',
    },
    'rename-invalid': { kind: 'error', title: 'Give the passkey a name of 1 to 60 characters.' },
  };

/** Security: passkeys, recovery codes and sessions. */
export function SecurityPage(props: SecurityPageProps) {
  const notice = props.notice && notices[props.notice];
  return (
    <Layout
      title="Security"
      nonce={props.nonce}
      csrfToken={props.csrfToken}
      signedIn
      current="security"
      passkeys
    >
      <h1>Security</h1>
      <p class="lede">How you sign in, how you get back in, and where you are signed in now.</p>
      {notice && (
        <Notice kind={notice.kind} title={notice.title}>
          {notice.body && <p>{notice.body}</p>}
          {props.notice === 'reauthenticate' && (
            <p>
              <button type="button" class="button button--primary" data-kith="reauthenticate">
                Confirm with a passkey
              </button>
            </p>
          )}
        </Notice>
      )}
      <p class="status" data-kith-status role="status" aria-live="polite" />

      {props.newRecoveryCodes && (
        <section class="card card--highlight" aria-labelledby="new-codes-title">
          <h2 id="new-codes-title">Your new recovery codes</h2>
          <p>
            Write these down or store them in a password manager, <strong>now</strong>: they will not be shown
            again. Each works once. Your older codes no longer work.
          </p>
          <ol class="codes" data-kith="recovery-codes">
            {props.newRecoveryCodes.map((code) => (
              <li>
                <code>{code}</code>
              </li>
            ))}
          </ol>
          <p class="card__actions">
            <a
              class="button button--secondary"
              data-kith="download-recovery-codes"
              download="kith-recovery-codes.txt"
              href={`data:text/plain;charset=utf-8,${encodeURIComponent(recoveryCodesFile(props.newRecoveryCodes))}`}
            >
              Download as a file
            </a>
            {/* Shown by kith.js: copying needs the clipboard, which needs JavaScript. */}
            <button type="button" class="button button--secondary" data-kith-copy="recovery-codes" hidden>
              Copy
            </button>
            <a class="button button--primary" href="/security">
              I have saved them
            </a>
          </p>
          {/* Beside the buttons: the page's own status line is scrolled out of sight on a phone by now. */}
          <p class="status" data-kith-copy-status="recovery-codes" role="status" aria-live="polite" />
        </section>
      )}

      <section class="card" aria-labelledby="passkeys-title" id="passkeys">
        <h2 id="passkeys-title">Passkeys</h2>
        <p class="card__intro">Each passkey is one device or password manager that can open your vault.</p>
        <ul class="items">
          {props.passkeys.map((p) => (
            <li class="item" data-kith-passkey={p.id}>
              <div class="item__main">
                <p class="item__title">{p.name}</p>
                <p class="item__meta">
                  Added {formatMoment(p.createdAt)}
                  {p.lastUsedAt ? ` · last used ${formatMoment(p.lastUsedAt)}` : ' · not used yet'}
                  {p.backedUp ? ' · synced' : ''}
                </p>
                {p.counterRegressed && (
                  <p class="item__warning">
                    This passkey once answered like a copy of itself. If you did not copy it, remove it.
                  </p>
                )}
              </div>
              <div class="item__actions">
                <form method="post" action={`/security/passkeys/${p.id}/rename`} class="inline-form">
                  <CsrfField token={props.csrfToken} />
                  <label class="visually-hidden" for={`rename-${p.id}`}>
                    New name for {p.name}
                  </label>
                  <input
                    id={`rename-${p.id}`}
                    name="name"
                    type="text"
                    value={p.name}
                    maxlength={60}
                    required
                  />
                  <button type="submit" class="button button--small button--secondary">
                    Rename<span class="visually-hidden"> {p.name}</span>
                  </button>
                </form>
                <form method="post" action={`/security/passkeys/${p.id}/remove`}>
                  <CsrfField token={props.csrfToken} />
                  <button type="submit" class="button button--small button--danger">
                    Remove<span class="visually-hidden"> {p.name}</span>
                  </button>
                </form>
              </div>
            </li>
          ))}
        </ul>
        <p class="card__actions">
          <button type="button" class="button button--primary" data-kith="add-passkey">
            Add a passkey
          </button>
        </p>
      </section>

      <section class="card" aria-labelledby="recovery-title" id="recovery-codes">
        <h2 id="recovery-title">Recovery codes</h2>
        <p class="card__intro">
          If you lose every passkey, one of these codes lets you in once so you can set up a new passkey.
        </p>
        <p data-kith="recovery-codes-left">
          {props.recoveryCodesLeft === 0
            ? 'You have no recovery codes.'
            : `${props.recoveryCodesLeft} of 10 codes left.`}
        </p>
        <form method="post" action="/security/recovery-codes">
          <CsrfField token={props.csrfToken} />
          <button
            type="submit"
            class={`button ${props.recoveryCodesLeft === 0 ? 'button--primary' : 'button--secondary'}`}
          >
            {props.recoveryCodesLeft === 0 ? 'Create recovery codes' : 'Replace my recovery codes'}
          </button>
        </form>
      </section>

      <section class="card" aria-labelledby="sessions-title" id="sessions">
        <h2 id="sessions-title">Where you are signed in</h2>
        <ul class="items">
          {props.sessions.map((s) => (
            <li class="item" data-kith-session>
              <div class="item__main">
                <p class="item__title">
                  {describeDevice(s.userAgent)}
                  {s.current && <span class="badge">This device</span>}
                </p>
                <p class="item__meta">
                  Signed in {formatMoment(s.createdAt)} · last seen {formatMoment(s.lastSeenAt)}
                </p>
              </div>
            </li>
          ))}
        </ul>
        {props.sessions.length > 1 && (
          <form method="post" action="/security/sessions/end-others">
            <CsrfField token={props.csrfToken} />
            <button type="submit" class="button button--secondary">
              Sign out everywhere else
            </button>
          </form>
        )}
      </section>
    </Layout>
  );
}

/** The text a person saves: what the codes are, then one code a line. */
function recoveryCodesFile(codes: readonly string[]): string {
  return `Kith recovery codes. Each works once, to sign in when every passkey is lost.\n\n${codes.join('\n')}\n`;
}
