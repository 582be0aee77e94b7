/**
 * What other domains' pages reuse from the owner web UI: the layout, the
 * security middleware and the signed-in guard. A new page is a route with
 * `contentSecurityPolicy()`, `csrfProtection(deps)` and, when it shows the
 * owner's data, `requireOwnerPage(deps)`, rendering inside `<Layout>`.
 *
 * @example
 * router.get('/approve/:id', contentSecurityPolicy(), csrfProtection(deps), requireOwnerPage(deps), (c) =>
 *   c.html(<Layout title="Approve" nonce={c.get('cspNonce')} csrfToken={c.get('csrfToken')} signedIn>…</Layout>),
 * );
 */
export { contentSecurityPolicy } from './csp.ts';
export {
  CSRF_COOKIE,
  CSRF_FIELD,
  CSRF_HEADER,
  CsrfField,
  type CsrfOptions,
  csrfProtection,
  formString,
} from './csrf.tsx';
export { Layout, type LayoutProps, type NavItem, Notice } from './layout.tsx';
export { requireOwnerPage } from './require-owner-page.ts';
export type { WebEnv, WebVariables } from './web.env.ts';
export { createWebRoutes } from './web.routes.tsx';
