import { isFieldPath, type Purpose, purposes } from '@kith/schemas';
import { Hono } from 'hono';
import { listOwnerGrants } from '../grants/grant.service.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { vendorDisplay } from '../grants/vendor-display.ts';
import { KithError } from '../http/kith-error.ts';
import type { SessionDeps } from '../owners/session.service.ts';
import { endRelationship, readRelationship } from '../relationships/relationship.service.ts';
import { shareFields } from '../relationships/share.service.ts';
import { contentSecurityPolicy } from './csp.ts';
import { csrfProtection, formString } from './csrf.tsx';
import { EndRelationshipPage } from './pages/end-relationship.page.tsx';
import { SHARE_DURATIONS } from './pages/relationship.section.tsx';
import { SharePage } from './pages/share.page.tsx';
import { requireOwnerPage } from './require-owner-page.ts';
import type { WebEnv } from './web.env.ts';

/**
 * The owner's goodbye and unasked sharing, as pages: end a relationship from
 * the vendor's page (confirmed once on its own page), share more with one vendor there, or with several at
 * once on `/share`.
 */
export function createRelationshipPageRoutes(deps: GrantDeps & SessionDeps) {
  const app = new Hono<WebEnv>();
  const csp = contentSecurityPolicy();
  const csrf = csrfProtection(deps);
  const owner = requireOwnerPage(deps);

  // Ending asks for erasure: the vendor page links here, to say what it does and confirm once.
  app.get('/vendors/:key/end', csp, csrf, owner, async (c) => {
    const key = c.req.param('key');
    const clientId = clientIdOf(key);
    const ownerId = c.get('owner').id;
    const grants = await listOwnerGrants(deps, ownerId, clientId);
    if (grants.length === 0) throw new KithError('NOT_FOUND');
    if ((await readRelationship(deps, ownerId, clientId)).ended) {
      return c.redirect(`/vendors/${key}#relationship`, 303);
    }
    const fields = [...new Set(grants.filter((g) => g.live).flatMap((g) => g.fields))];
    return c.html(
      <EndRelationshipPage
        nonce={c.get('cspNonce')}
        csrfToken={c.get('csrfToken')}
        vendor={await vendorDisplay(deps.db, clientId)}
        vendorKey={key}
        fields={fields}
      />,
      200,
      { 'cache-control': 'no-store' },
    );
  });

  app.post('/vendors/:key/end', csp, csrf, owner, async (c) => {
    const key = c.req.param('key');
    const body = await c.req.parseBody({ all: true });
    // Only the confirm page's button ends it: anything else is sent there to read what ending does.
    if (formString(body, 'confirm') !== 'yes') return c.redirect(`/vendors/${key}/end`, 303);
    const days = Number(formString(body, 'erasure_days'));
    try {
      await endRelationship(deps, c.get('owner').id, clientIdOf(key), {
        ...(Number.isInteger(days) ? { erasureDays: days } : {}),
      });
    } catch (error) {
      // A second click (another tab) finds it ended: show the page as it is.
      if (error instanceof KithError && error.code === 'RELATIONSHIP_NOT_FOUND') {
        return c.redirect(`/vendors/${key}#relationship`, 303);
      }
      throw error;
    }
    return c.redirect(`/vendors/${key}?ended=1#relationship`, 303);
  });

  app.post('/vendors/:key/share', csp, csrf, owner, async (c) => {
    const key = c.req.param('key');
    const choice = shareChoice(await c.req.parseBody({ all: true }));
    if (!choice) return c.redirect(`/vendors/${key}?share=invalid#share`, 303);
    await shareFields(deps, c.get('owner').id, { ...choice, clientIds: [clientIdOf(key)] });
    return c.redirect(`/vendors/${key}?share=done#share`, 303);
  });

  app.get('/share', csp, csrf, owner, async (c) => {
    const ownerId = c.get('owner').id;
    const vendors = await liveVendors(deps, ownerId);
    const shared = (c.req.query('shared') ?? '').split(',');
    return c.html(
      <SharePage
        nonce={c.get('cspNonce')}
        csrfToken={c.get('csrfToken')}
        vendors={vendors}
        sharedWith={vendors.filter((v) => shared.includes(vendorKey(v.clientId))).map((v) => v.name)}
        invalid={c.req.query('invalid') !== undefined}
      />,
      200,
      { 'cache-control': 'no-store' },
    );
  });

  app.post('/share', csp, csrf, owner, async (c) => {
    const body = await c.req.parseBody({ all: true });
    const choice = shareChoice(body);
    const clientIds = strings(body.vendors);
    if (!choice || clientIds.length === 0) return c.redirect('/share?invalid=1', 303);
    const grants = await shareFields(deps, c.get('owner').id, { ...choice, clientIds });
    return c.redirect(`/share?shared=${grants.map((g) => vendorKey(g.clientId)).join(',')}`, 303);
  });

  return app;
}

/** Vendors holding a live grant: the only ones an owner may share with unasked. */
async function liveVendors(deps: GrantDeps, ownerId: string) {
  const clientIds = new Set(
    (await listOwnerGrants(deps, ownerId)).filter((g) => g.live).map((g) => g.clientId),
  );
  const vendors = await Promise.all([...clientIds].map((clientId) => vendorDisplay(deps.db, clientId)));
  return vendors.sort((a, b) => a.name.localeCompare(b.name));
}

function shareChoice(body: Record<string, unknown>) {
  const fields = strings(body.fields).filter(isFieldPath);
  const purpose = formString(body, 'purpose');
  const durationSeconds = Number(formString(body, 'duration'));
  if (fields.length === 0 || purpose === undefined || !Object.hasOwn(purposes, purpose)) return undefined;
  if (!SHARE_DURATIONS.includes(durationSeconds)) return undefined;
  return { fields, purpose: purpose as Purpose, durationSeconds };
}

function strings(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

// The vendor's path segment, as the vendor pages make it: base64url of the client id.
function vendorKey(clientId: string): string {
  return Buffer.from(clientId).toString('base64url');
}

function clientIdOf(key: string): string {
  const clientId = Buffer.from(key, 'base64url').toString('utf8');
  if (!/^https?:\/\//.test(clientId)) throw new KithError('NOT_FOUND');
  return clientId;
}
