import { agreementRef, agreements, findAgreement } from '@kith/schemas';
import { Hono } from 'hono';
import type { Executor } from '../db/database.ts';
import { vendorDisplay } from '../grants/vendor-display.ts';
import { clientIdOfKey } from '../http/client-id-param.ts';
import { KithError } from '../http/kith-error.ts';
import type { PasskeyDeps } from '../owners/passkey.service.ts';
import { readOwnerTerms, setProfferedTerms } from '../terms/terms.service.ts';
import { contentSecurityPolicy } from './csp.ts';
import { csrfProtection, formString } from './csrf.tsx';
import { AgreementPage, TermsPage } from './pages/terms.page.tsx';
import { requireOwnerPage } from './require-owner-page.ts';
import type { WebEnv } from './web.env.ts';

/** Each agreement's public text, and the owner's page to pick the one they offer. */
export function createTermsPageRoutes(deps: PasskeyDeps) {
  const app = new Hono<WebEnv>();
  const csp = contentSecurityPolicy();
  const csrf = csrfProtection(deps);
  const owner = requireOwnerPage(deps);
  const chrome = (c: { get(key: 'cspNonce' | 'csrfToken'): string }) => ({
    nonce: c.get('cspNonce'),
    csrfToken: c.get('csrfToken'),
  });

  app.get('/terms/:id/:version', csp, csrf, (c) => {
    const version = Number(c.req.param('version'));
    const agreement = Number.isInteger(version)
      ? findAgreement({ id: c.req.param('id'), version })
      : undefined;
    if (!agreement) throw new KithError('NOT_FOUND');
    const ref = agreementRef(agreement);
    const cache = { 'cache-control': 'public, max-age=86400', vary: 'accept' };
    // One URL for people and machines: the JSON is exactly what the SHA-256 covers.
    if ((c.req.header('accept') ?? '').includes('application/json')) {
      return c.json({ ...agreement, sha256: ref.sha256 }, 200, cache);
    }
    return c.html(<AgreementPage {...chrome(c)} agreement={agreement} ref={ref} />, 200, cache);
  });

  app.get('/terms', csp, csrf, owner, async (c) => {
    const terms = await readOwnerTerms(deps.db, c.get('owner').id);
    const overrides = await Promise.all(
      terms.vendors.map(async ({ client_id, terms: ref }) => ({
        clientId: client_id,
        vendorName: (await vendorDisplay(deps.db, client_id)).name,
        title: findAgreement(ref)?.title ?? ref.id,
      })),
    );
    return c.html(
      <TermsPage
        {...chrome(c)}
        agreements={agreements}
        current={terms.default?.id ?? null}
        overrides={overrides}
        saved={c.req.query('saved') !== undefined}
      />,
      200,
      { 'cache-control': 'no-store' },
    );
  });

  app.post('/terms', csp, csrf, owner, async (c) => {
    const chosen = formString(await c.req.parseBody({ all: true }), 'agreement');
    await setProfferedTerms(deps, c.get('owner').id, { agreementId: chosen ? chosen : null });
    return c.redirect('/terms?saved=1', 303);
  });

  app.post('/vendors/:key/terms', csp, csrf, owner, async (c) => {
    const key = c.req.param('key');
    const clientId = clientIdOfKey(key);
    const chosen = formString(await c.req.parseBody({ all: true }), 'agreement');
    await setProfferedTerms(deps, c.get('owner').id, { agreementId: chosen ? chosen : null, clientId });
    return c.redirect(`/vendors/${key}?terms=saved#terms-title`, 303);
  });

  return app;
}

/**
 * The terms section of a vendor's page: what the owner offers this vendor.
 *
 * @example
 * <VendorPage … terms={await vendorTermsProps(deps.db, ownerId, clientId, key, saved)} />
 */
export async function vendorTermsProps(
  db: Executor,
  ownerId: string,
  clientId: string,
  vendorKey: string,
  saved: boolean,
) {
  const terms = await readOwnerTerms(db, ownerId);
  const override = terms.vendors.find((v) => v.client_id === clientId)?.terms.id ?? null;
  return {
    vendorKey,
    agreements,
    override,
    fallback: terms.default ? (findAgreement(terms.default) ?? null) : null,
    saved,
  };
}
