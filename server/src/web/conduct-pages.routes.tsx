import { Hono } from 'hono';
import { readConduct } from '../conduct/conduct.service.ts';
import { narrowGrants, planNarrowing } from '../conduct/narrow-grants.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { clientIdOfKey } from '../http/client-id-param.ts';
import { KithError } from '../http/kith-error.ts';
import type { SessionDeps } from '../owners/session.service.ts';
import { contentSecurityPolicy } from './csp.ts';
import { csrfProtection } from './csrf.tsx';
import type { ConductSectionProps } from './pages/conduct.section.tsx';
import { requireOwnerPage } from './require-owner-page.ts';
import type { WebEnv } from './web.env.ts';

/** The conduct section's data for a vendor page: the record and what narrowing would revoke. */
export async function conductSectionProps(
  deps: GrantDeps,
  ownerId: string,
  clientId: string,
  vendorKey: string,
  query: string | undefined,
): Promise<Omit<ConductSectionProps, 'csrfToken' | 'vendorName'>> {
  const record = await readConduct(deps, ownerId, clientId);
  const plan = await planNarrowing(deps, ownerId, clientId, record);
  return {
    vendorKey,
    record,
    wouldRevoke: plan.filter((p) => p.keep.length === 0).length,
    narrowed: query === 'narrowed',
    nothingToNarrow: query === 'nothing',
  };
}

/** "Stop sharing the details they never read", as a form on the vendor's page. */
export function createConductPageRoutes(deps: GrantDeps & SessionDeps) {
  const app = new Hono<WebEnv>();
  const csp = contentSecurityPolicy();
  const csrf = csrfProtection(deps);
  const owner = requireOwnerPage(deps);

  // The page said first what goes and which grants end; this is the confirmation.
  app.post('/vendors/:key/conduct/narrow', csp, csrf, owner, async (c) => {
    const key = c.req.param('key');
    try {
      await narrowGrants(deps, c.get('owner').id, clientIdOfKey(key));
    } catch (error) {
      // A second click (another tab) finds nothing left: show the page as it is.
      if (error instanceof KithError && error.code === 'NOTHING_TO_NARROW') {
        return c.redirect(`/vendors/${key}?conduct=nothing#conduct`, 303);
      }
      throw error;
    }
    return c.redirect(`/vendors/${key}?conduct=narrowed#conduct`, 303);
  });

  return app;
}
