import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { CsrfField } from './csrf.tsx';

/** Where a signed-in page sits in the navigation. */
export type NavItem = 'home' | 'profile' | 'vendors' | 'security';

export interface LayoutProps {
  /** The page's own title; the tab reads "TITLE · Kith". */
  title: string;
  /** The response's CSP nonce (`c.get('cspNonce')`). */
  nonce: string;
  /** The CSRF token (`c.get('csrfToken')`): the sign-out form and the ceremony script use it. */
  csrfToken: string;
  /** Shows the signed-in navigation when set. */
  signedIn?: boolean;
  current?: NavItem;
  /** Loads the passkey ceremony scripts (@simplewebauthn/browser and ours). */
  passkeys?: boolean;
  children?: Child;
}

const navItems: { id: NavItem; href: string; label: string }[] = [
  { id: 'home', href: '/', label: 'Home' },
  { id: 'profile', href: '/profile', label: 'Profile' },
  { id: 'vendors', href: '/vendors', label: 'Vendors' },
  { id: 'security', href: '/security', label: 'Security' },
];

/**
 * The frame of every owner-facing page: skip link, header with navigation,
 * one `<main>`, footer. Mobile first; scripts only with `passkeys`, nonced.
 *
 * @example
 * return c.html(<Layout title="Approve" nonce={c.get('cspNonce')} csrfToken={c.get('csrfToken')} signedIn>…</Layout>);
 */
export function Layout(props: LayoutProps) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="csrf-token" content={props.csrfToken} />
          <meta name="color-scheme" content="light" />
          <title>{`${props.title} · Kith`}</title>
          <link rel="stylesheet" href="/static/kith.css" />
          <link rel="icon" href="/static/icon.svg" type="image/svg+xml" />
          {props.passkeys && <script nonce={props.nonce} src="/static/simplewebauthn-browser.js" defer />}
          {props.passkeys && <script nonce={props.nonce} src="/static/kith.js" defer />}
        </head>
        <body>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="site-header">
            <div class="site-header__inner">
              <a class="brand" href="/">
                <span class="brand__mark" aria-hidden="true">
                  K
                </span>
                <span class="brand__name">Kith</span>
                <span class="brand__tag">your vault</span>
              </a>
              {props.signedIn && (
                <nav class="site-nav" aria-label="Main">
                  <ul>
                    {navItems.map((item) => (
                      <li>
                        <a href={item.href} aria-current={props.current === item.id ? 'page' : undefined}>
                          {item.label}
                        </a>
                      </li>
                    ))}
                  </ul>
                </nav>
              )}
              {props.signedIn && (
                <form method="post" action="/sign-out" class="site-header__sign-out">
                  <CsrfField token={props.csrfToken} />
                  <button type="submit" class="link-button">
                    Sign out
                  </button>
                </form>
              )}
            </div>
          </header>
          <main id="main" class="page" tabindex={-1}>
            {props.children}
          </main>
          <footer class="site-footer">
            <p>
              Kith keeps your details encrypted on a server you trust. Nobody sees them unless you say so.
            </p>
          </footer>
        </body>
      </html>
    </>
  );
}

/** A notice above a page's content: `success` confirms, `error` explains what went wrong, `info` guides. */
export function Notice(props: { kind: 'success' | 'error' | 'info'; title?: string; children?: Child }) {
  return (
    <div class={`notice notice--${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.title && <p class="notice__title">{props.title}</p>}
      {props.children}
    </div>
  );
}
