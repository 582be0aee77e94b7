import { createRoute, z } from '@hono/zod-openapi';
import {
  type ContactDecision,
  contactDecisionSchema,
  contactEventSchema,
  contactInputSchema,
  contactTermsOverrideSchema,
  vendorContactTermsSchema,
} from '@kith/schemas';
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import type { GrantPresentation, PresentationDeps } from '../grants/grant-presentation.ts';
import { clientIdOfKey } from '../http/client-id-param.ts';
import { bodyProblems, commonProblems, problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import type { SessionDeps } from '../owners/session.service.ts';
import { type ContactAnswer, checkContact, recordContact } from './contact.service.ts';
import { listContactEvents, readVendorContactTerms, setVendorContactTerms } from './contact-terms.service.ts';

const vendorTags = ['Vendors'];
const ownerTags = ['Contact terms (owner)'];
const security = [{ ownerSession: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const presentedHeaders = z.object({ authorization: z.string().optional(), dpop: z.string().optional() });
const contactBody = {
  required: true,
  content: { 'application/json': { schema: contactInputSchema } },
} as const;
const vendorProblems = problemResponses(
  'INVALID_GRANT',
  'GRANT_REVOKED',
  'GRANT_EXPIRED',
  'VALIDATION_FAILED',
  ...bodyProblems,
  ...commonProblems,
);
const vendorParam = z.object({
  key: z.string().min(1).max(2800).describe("The vendor's client id, base64url-encoded."),
});

const checkRoute = createRoute({
  method: 'post',
  path: '/v1/contact/check',
  operationId: 'checkContact',
  security: [{ dpop: [] }],
  tags: vendorTags,
  summary: 'Ask whether you may contact the person now',
  description:
    'Presented like a redeem: `Authorization: DPoP <grant>` with a `DPoP` proof for this URL. Nothing is ' +
    'counted; the check is in the owner’s log. A refusal says why and, where waiting helps, from when.',
  request: { headers: presentedHeaders, body: contactBody },
  responses: { 200: json(contactDecisionSchema, 'Allowed or not, and why.'), ...vendorProblems },
});

const recordRoute = createRoute({
  method: 'post',
  path: '/v1/contact/record',
  operationId: 'recordContact',
  security: [{ dpop: [] }],
  tags: vendorTags,
  summary: 'Check and count a contact, atomically',
  description:
    'Call it just before you contact the person; contact only if `recorded` is true. Concurrent calls for one ' +
    'person queue up, so the weekly budget is never exceeded.',
  request: { headers: presentedHeaders, body: contactBody },
  responses: { 200: json(contactDecisionSchema, 'Recorded, or refused and why.'), ...vendorProblems },
});

const readTermsRoute = createRoute({
  method: 'get',
  path: '/v1/me/vendors/{key}/contact-terms',
  operationId: 'getContactTerms',
  tags: ownerTags,
  security,
  summary: 'How this vendor may contact me',
  request: { params: vendorParam },
  responses: {
    200: json(vendorContactTermsSchema, 'What I set, and what that leaves the vendor.'),
    ...problemResponses('UNAUTHENTICATED', 'NOT_FOUND', ...commonProblems),
  },
});

const setTermsRoute = createRoute({
  method: 'put',
  path: '/v1/me/vendors/{key}/contact-terms',
  operationId: 'setContactTerms',
  tags: ownerTags,
  security,
  summary: 'Change how this vendor may contact me, at once',
  description:
    'Replaces my terms for this vendor; each may only tighten what the grant and my profile allow. ' +
    '`doNotContact: true` refuses every contact from the next check on. The vendor gets `contact.terms_changed`.',
  request: {
    params: vendorParam,
    body: { required: true, content: { 'application/json': { schema: contactTermsOverrideSchema } } },
  },
  responses: {
    200: json(vendorContactTermsSchema, 'The terms now in force.'),
    ...problemResponses(
      'UNAUTHENTICATED',
      'NOT_FOUND',
      'VALIDATION_FAILED',
      ...bodyProblems,
      ...commonProblems,
    ),
  },
});

const listEventsRoute = createRoute({
  method: 'get',
  path: '/v1/me/vendors/{key}/contact-events',
  operationId: 'listContactEvents',
  tags: ownerTags,
  security,
  summary: 'Every contact check and contact of this vendor',
  request: {
    params: vendorParam,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }),
  },
  responses: {
    200: json(z.object({ events: z.array(contactEventSchema) }), 'Newest first.'),
    ...problemResponses('UNAUTHENTICATED', 'VALIDATION_FAILED', ...commonProblems),
  },
});

/** The vendor's contact API (check, record) and the owner's contact terms per vendor. */
export function createContactRoutes(deps: PresentationDeps & SessionDeps) {
  const router = createRouter();
  const noStore = { 'cache-control': 'no-store' };

  return router
    .openapi(checkRoute, async (c) => {
      const answer = await checkContact(deps, presentation(c), c.req.valid('json'));
      return c.json(decisionView(answer), 200, noStore);
    })
    .openapi(recordRoute, async (c) => {
      const answer = await recordContact(deps, presentation(c), c.req.valid('json'));
      return c.json(decisionView(answer), 200, noStore);
    })
    .openapi(readTermsRoute, async (c) => {
      const clientId = clientIdOfKey(c.req.valid('param').key);
      return c.json(await readVendorContactTerms(deps, c.get('owner').id, clientId), 200, noStore);
    })
    .openapi(setTermsRoute, async (c) => {
      const clientId = clientIdOfKey(c.req.valid('param').key);
      const terms = await setVendorContactTerms(deps, c.get('owner').id, clientId, c.req.valid('json'));
      return c.json(terms, 200, noStore);
    })
    .openapi(listEventsRoute, async (c) => {
      const clientId = clientIdOfKey(c.req.valid('param').key);
      const events = await listContactEvents(deps, c.get('owner').id, clientId, c.req.valid('query').limit);
      return c.json({ events }, 200, noStore);
    });
}

function decisionView(answer: ContactAnswer): ContactDecision {
  return {
    allowed: answer.allowed,
    reason: answer.reason,
    next_allowed_at: answer.nextAllowedAt === null ? null : new Date(answer.nextAllowedAt).toISOString(),
    remaining_this_week: answer.remainingThisWeek,
    ...(answer.recorded === undefined ? {} : { recorded: answer.recorded }),
  };
}

function presentation(c: Context<AppEnv>): GrantPresentation {
  return {
    authorization: c.req.header('authorization'),
    dpop: c.req.header('dpop'),
    method: c.req.method,
    path: c.req.path,
  };
}
