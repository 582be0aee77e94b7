import type { AppVariables } from '../env.ts';
import type { Session } from '../owners/session.service.ts';

/** Hono variables of the web pages, on top of the app's own. */
export interface WebVariables extends AppVariables {
  /** This response's Content-Security-Policy nonce: every `<script>` carries it. */
  cspNonce: string;
  /** The CSRF token every form and every ceremony request sends back. */
  csrfToken: string;
  /** Origins a form on this page may lead to besides ours (CSP `form-action` applies to redirects too). */
  cspFormActions?: string[];
  /** The signed-in session, once `requireOwnerPage` let the request through. */
  session: Session;
}

export interface WebEnv {
  Variables: WebVariables;
}
