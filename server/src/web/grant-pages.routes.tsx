import type { Agreement, ContactTerms } from '@kith/schemas';
import { type Context, Hono } from 'hono';
import type { AccessLogDeps } from '../audit/access-log-verifier.ts';
import { listAccessLog } from '../audit/audit.service.ts';
import { parseContactTermsForm } from '../contact/contact-form.ts';
import {
  channelsAskedByGrant,
  listContactEvents,
  readVendorContactTerms,
  setDoNotContact,
  updateVendorContactTerms,
} from '../contact/contact-terms.service.ts';
import { approvalContact } from '../contact-rules/approval-contact.ts';
import { deliveryHealth } from '../events/delivery.service.ts';
import { termsUnder } from '../grants/agreed-terms.ts';
import { listOwnerGrants, revokeGrant } from '../grants/grant.service.ts';
import {
  approveGrantRequest,
  declineGrantRequest,
  findPendingGrantRequest,
  findPendingGrantRequestByUserCode,
  type GrantDeps,
  type PendingGrantRequest,
} from '../grants/grant-request.service.ts';
import { type VendorDisplay, vendorDisplay } from '../grants/vendor-display.ts';
import { KithError } from '../http/kith-error.ts';
import { findOwnerById } from '../owners/owner.repository.ts';
import type { SessionDeps } from '../owners/session.service.ts';
import type { SignInRateLimitDeps } from '../owners/sign-in-rate-limit.ts';
import { readProfile } from '../profile/profile.service.ts';
import { latestErasures, readRelationship } from '../relationships/relationship.service.ts';
import { approveTerms } from '../terms/approve-terms.ts';
import { conductSectionProps, createConductPageRoutes } from './conduct-pages.routes.tsx';
import { contentSecurityPolicy } from './csp.ts';
import { csrfProtection, formString } from './csrf.tsx';
import { describeFieldValue } from './field-value.ts';
import { pageRenderer } from './page-renderer.tsx';
import { ActivityPage } from './pages/activity.page.tsx';
import { ApprovePage } from './pages/approve.page.tsx';
import { ApproveCodePage } from './pages/approve-code.page.tsx';
import { CONTACT_ATTEMPT_ACTIONS } from './pages/contact.section.tsx';
import { DecidedPage } from './pages/decided.page.tsx';
import { VendorPage } from './pages/vendor.page.tsx';
import { type VendorSummary, VendorsPage } from './pages/vendors.page.tsx';
import { createRelationshipPageRoutes } from './relationship-pages.routes.tsx';
import { requireOwnerPage } from './require-owner-page.ts';
import { vendorTermsProps } from './terms-pages.routes.tsx';
import type { WebEnv } from './web.env.ts';

type WebContext = Context<WebEnv>;

/** A vendor's client id as a path segment: base64url, so no slashes or escapes to get wrong. */
export function vendorKey(clientId: string): string {
  return Buffer.from(clientId).toString('base64url');
}

function clientIdOf(key: string): string {
  const clientId = Buffer.from(key, 'base64url').toString('utf8');
  if (!/^https?:\/\//.test(clientId)) throw new KithError('NOT_FOUND');
  return clientId;
}

/**
 * The owner's grant pages: answering a request (by link or by typed code),
 * the vendors dashboard, one vendor's page (revoke in one click, receipts,
 * what it did) and all activity with the log's integrity.
 */
export function createGrantPageRoutes(deps: GrantDeps & SessionDeps & SignInRateLimitDeps & AccessLogDeps) {
  const app = new Hono<WebEnv>();
  const csp = contentSecurityPolicy();
  const csrf = csrfProtection(deps);
  const owner = requireOwnerPage(deps);
  const render = pageRenderer(deps);
  const chrome = (c: WebContext) => ({ nonce: c.get('cspNonce'), csrfToken: c.get('csrfToken') });

  app.get('/approve', csp, csrf, owner, (c) =>
    render(c, <ApproveCodePage {...chrome(c)} code={c.req.query('code') ?? ''} />),
  );

  app.post('/approve', csp, csrf, owner, async (c) => {
    const code = formString(await c.req.parseBody({ all: true }), 'code') ?? '';
    try {
      const request = await findPendingGrantRequestByUserCode(deps, c.get('owner').id, code);
      return c.redirect(`/approve/${request.id}`, 303);
    } catch (error) {
      if (
        error instanceof KithError &&
        (error.code === 'GRANT_REQUEST_NOT_FOUND' || error.code === 'EXPIRED_TOKEN')
      ) {
        return render(c, <ApproveCodePage {...chrome(c)} code={code} notFound />, 404);
      }
      throw error;
    }
  });

  app.get('/approve/:id', csp, csrf, owner, async (c) => {
    const request = await findPendingGrantRequest(deps, { id: c.req.param('id') });
    const [vendor, profile] = await Promise.all([
      vendorDisplay(deps.db, request.clientId),
      readProfile(deps, c.get('owner').id),
    ]);
    const values: Record<string, string | undefined> = {};
    for (const path of [...request.fields, ...request.optionalFields]) {
      const entry = profile.fields[path];
      values[path] = entry ? describeFieldValue(path, entry.value) : undefined;
    }
    if (request.redirectUri) c.set('cspFormActions', [new URL(request.redirectUri).origin]);
    const terms = await approveTerms(deps.db, c.get('owner').id, request);
    // The limit the opt-in would grant, from the owner's rules: read only if contact is asked for.
    const asked = contactUnderTerms(request, terms.proffered);
    let contact: ContactTerms | null = null;
    if (asked) {
      const owner = await findOwnerById(deps.db, c.get('owner').id);
      if (!owner) throw new KithError('UNAUTHENTICATED');
      contact = await approvalContact(deps, deps.db, owner, request.clientId, asked, true);
    }
    return render(
      c,
      <ApprovePage
        {...chrome(c)}
        request={request}
        vendor={vendor}
        values={values}
        terms={terms}
        contact={contact}
      />,
    );
  });

  app.post('/approve/:id', csp, csrf, owner, async (c) => {
    const body = await c.req.parseBody({ all: true });
    const id = c.req.param('id');
    const ownerId = c.get('owner').id;
    const request = await findPendingGrantRequest(deps, { id });
    const vendor = await vendorDisplay(deps.db, request.clientId);
    const approved = formString(body, 'decision') === 'approve';
    let redirectTo: string | null;
    if (approved) {
      const chosen = body.fields;
      const optionalFields = (Array.isArray(chosen) ? chosen : [chosen]).filter(
        (f): f is string => typeof f === 'string',
      );
      const duration = Number(formString(body, 'duration'));
      const agreement = formString(body, 'agreement');
      ({ redirectTo } = await approveGrantRequest(deps, ownerId, id, {
        optionalFields,
        // An opt-in: a form without the box ticked allows no contact.
        contact: formString(body, 'contact') === 'yes',
        ...(Number.isInteger(duration) && duration > 0 ? { durationSeconds: duration } : {}),
        ...(agreement ? { agreement } : {}),
      }));
    } else {
      ({ redirectTo } = await declineGrantRequest(deps, ownerId, id));
    }
    if (redirectTo) {
      c.set('cspFormActions', [new URL(redirectTo).origin]);
      return c.redirect(redirectTo, 303);
    }
    return render(c, <DecidedPage {...chrome(c)} vendor={vendor} approved={approved} />);
  });

  app.get('/vendors', csp, csrf, owner, async (c) => {
    return render(c, <VendorsPage {...chrome(c)} vendors={await vendorSummaries(deps, c.get('owner').id)} />);
  });

  app.get('/vendors/:key', csp, csrf, owner, async (c) => {
    const clientId = clientIdOf(c.req.param('key'));
    const ownerId = c.get('owner').id;
    const grants = await listOwnerGrants(deps, ownerId, clientId);
    if (grants.length === 0) throw new KithError('NOT_FOUND');
    const [vendor, log, contactTerms, contactEvents, askedByGrant] = await Promise.all([
      vendorDisplay(deps.db, clientId),
      // Contact attempts have their own list in the contact section: once is enough.
      listAccessLog(deps.db, ownerId, { clientId, limit: 100, exceptActions: CONTACT_ATTEMPT_ACTIONS }),
      readVendorContactTerms(deps, ownerId, clientId),
      listContactEvents(deps, ownerId, clientId),
      channelsAskedByGrant(deps, ownerId, clientId),
    ]);
    const [relationship, health] = await Promise.all([
      readRelationship(deps, ownerId, clientId),
      deliveryHealth(deps.db, ownerId, clientId),
    ]);
    return render(
      c,
      <VendorPage
        {...chrome(c)}
        vendor={vendor}
        grants={grants}
        log={log}
        revoked={c.req.query('revoked') !== undefined}
        relationship={{
          vendorKey: c.req.param('key'),
          relationship,
          health,
          justEnded: c.req.query('ended') !== undefined,
        }}
        share={{
          vendorKey: c.req.param('key'),
          shared: c.req.query('share') === 'done',
          invalid: c.req.query('share') === 'invalid',
        }}
        contact={{
          vendorKey: c.req.param('key'),
          terms: contactTerms,
          events: contactEvents,
          askedByGrant,
          saved: c.req.query('contact') === 'saved',
          invalid: c.req.query('contact') === 'invalid',
        }}
        conduct={
          await conductSectionProps(deps, ownerId, clientId, c.req.param('key'), c.req.query('conduct'))
        }
        terms={
          await vendorTermsProps(
            deps.db,
            ownerId,
            clientId,
            c.req.param('key'),
            c.req.query('terms') === 'saved',
          )
        }
      />,
    );
  });

  app.post('/vendors/:key/contact-terms', csp, csrf, owner, async (c) => {
    const key = c.req.param('key');
    const clientId = clientIdOf(key);
    const ownerId = c.get('owner').id;
    const current = await readVendorContactTerms(deps, ownerId, clientId);
    const form = parseContactTermsForm(await c.req.parseBody({ all: true }), current.override);
    if (!form.ok) return c.redirect(`/vendors/${key}?contact=invalid#contact`, 303);
    // The "do not contact" switch has its own form: keep whatever it is now.
    await updateVendorContactTerms(deps, ownerId, clientId, (latest) => ({
      ...form.override,
      doNotContact: latest.doNotContact,
    }));
    return c.redirect(`/vendors/${key}?contact=saved#contact`, 303);
  });

  // One click, in effect from the vendor's next check.
  app.post('/vendors/:key/do-not-contact', csp, csrf, owner, async (c) => {
    const key = c.req.param('key');
    const on = formString(await c.req.parseBody({ all: true }), 'do_not_contact') !== 'off';
    await setDoNotContact(deps, c.get('owner').id, clientIdOf(key), on);
    return c.redirect(`/vendors/${key}?contact=saved#contact`, 303);
  });

  app.post('/grants/:id/revoke', csp, csrf, owner, async (c) => {
    const ownerId = c.get('owner').id;
    const grantId = c.req.param('id');
    const grant = (await listOwnerGrants(deps, ownerId)).find((g) => g.id === grantId);
    await revokeGrant(deps, ownerId, grantId);
    return c.redirect(`/vendors/${vendorKey(grant?.clientId ?? '')}?revoked=1`, 303);
  });

  app.get('/activity', csp, csrf, owner, async (c) => {
    const ownerId = c.get('owner').id;
    const [entries, verification] = await Promise.all([
      listAccessLog(deps.db, ownerId, { limit: 200 }),
      deps.accessLogVerifier.status({ clock: deps.clock, logger: c.get('logger') }, ownerId),
    ]);
    const vendors = new Map<string, VendorDisplay>();
    for (const clientId of new Set(entries.flatMap((e) => (e.clientId ? [e.clientId] : [])))) {
      vendors.set(clientId, await vendorDisplay(deps.db, clientId));
    }
    return render(
      c,
      <ActivityPage
        {...chrome(c)}
        entries={entries.map((e) => ({
          ...e,
          vendor: e.clientId ? (vendors.get(e.clientId) ?? null) : null,
        }))}
        verification={verification}
      />,
    );
  });

  app.route('/', createRelationshipPageRoutes(deps));
  app.route('/', createConductPageRoutes(deps));

  return app;
}

/**
 * The vendor's contact ask as the agreement the owner proffers caps it, as
 * approving will; as asked when the vendor did not accept that agreement
 * (the page says so, and approving under it is refused).
 */
function contactUnderTerms(request: PendingGrantRequest, proffered: Agreement | null) {
  try {
    return termsUnder(proffered ?? undefined, request).contact;
  } catch (error) {
    if (error instanceof KithError && error.code === 'TERMS_NOT_ACCEPTED') return request.contact;
    throw error;
  }
}

/** Each vendor the owner ever granted to, live ones first. */
export async function vendorSummaries(deps: GrantDeps, ownerId: string): Promise<VendorSummary[]> {
  const [grants, erasures] = await Promise.all([
    listOwnerGrants(deps, ownerId),
    latestErasures(deps, ownerId),
  ]);
  const byVendor = new Map<string, typeof grants>();
  for (const grant of grants) byVendor.set(grant.clientId, [...(byVendor.get(grant.clientId) ?? []), grant]);
  const summaries: VendorSummary[] = [];
  for (const [clientId, list] of byVendor) {
    const live = list.filter((g) => g.live);
    summaries.push({
      vendor: await vendorDisplay(deps.db, clientId),
      key: vendorKey(clientId),
      live,
      ended: list.length - live.length,
      erasure: erasures.get(clientId),
    });
  }
  return summaries.sort(
    (a, b) => b.live.length - a.live.length || a.vendor.name.localeCompare(b.vendor.name),
  );
}
