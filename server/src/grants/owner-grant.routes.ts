import { createRoute, z } from '@hono/zod-openapi';
import {
  accessLogEntrySchema,
  accessLogVerificationSchema,
  agreementRef,
  approveGrantInputSchema,
  grantDecisionSchema,
  ownerGrantSchema,
  pendingGrantRequestSchema,
} from '@kith/schemas';
import type { AccessLogDeps } from '../audit/access-log-verifier.ts';
import { listAccessLog } from '../audit/audit.service.ts';
import { bodyProblems, commonProblems, problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import type { SessionDeps } from '../owners/session.service.ts';
import type { SignInRateLimitDeps } from '../owners/sign-in-rate-limit.ts';
import { profferedAgreement } from '../terms/proffered-agreement.ts';
import { grantReceipt, listOwnerGrants, type OwnerGrant, revokeGrant } from './grant.service.ts';
import {
  approveGrantRequest,
  declineGrantRequest,
  findPendingGrantRequest,
  findPendingGrantRequestByUserCode,
  type GrantDeps,
  type PendingGrantRequest,
} from './grant-request.service.ts';
import { vendorDisplay } from './vendor-display.ts';

const tags = ['Grants (owner)'];
const security = [{ ownerSession: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const requestParam = z.object({ id: z.string().min(1).max(100) });

const showRequestRoute = createRoute({
  method: 'get',
  path: '/v1/me/grant-requests/{id}',
  operationId: 'getGrantRequest',
  tags,
  security,
  summary: 'See what a vendor asks for',
  description:
    'By request id, or by the user code the vendor read out (`KITH-XXXX-XXXX`). Wrong codes count against ' +
    'the owner: past the budget every code is `RATE_LIMITED` for the rest of the window.',
  request: { params: requestParam },
  responses: {
    200: json(pendingGrantRequestSchema, 'The pending request.'),
    ...problemResponses(
      'UNAUTHENTICATED',
      'GRANT_REQUEST_NOT_FOUND',
      'EXPIRED_TOKEN',
      'RATE_LIMITED',
      ...commonProblems,
    ),
  },
});

const approveRoute = createRoute({
  method: 'post',
  path: '/v1/me/grant-requests/{id}/approve',
  operationId: 'approveGrantRequest',
  tags,
  security,
  summary: 'Approve, keeping some optional fields and perhaps a shorter duration',
  description:
    'The body must say what is approved: `optionalFields` lists the optional fields to share, and is required even ' +
    "when empty; `contact` says whether the vendor may contact the owner as it asked (within the owner's own " +
    'limits), and is required even when false. A bodiless request is `UNSUPPORTED_MEDIA_TYPE` and `{}` is ' +
    '`VALIDATION_FAILED`: neither is consent.',
  request: {
    params: requestParam,
    body: { required: true, content: { 'application/json': { schema: approveGrantInputSchema } } },
  },
  responses: {
    200: json(grantDecisionSchema, 'Approved; go to `redirectTo` if set.'),
    ...problemResponses(
      'UNAUTHENTICATED',
      'GRANT_REQUEST_NOT_FOUND',
      'EXPIRED_TOKEN',
      'VALIDATION_FAILED',
      ...bodyProblems,
      ...commonProblems,
    ),
  },
});

const declineRoute = createRoute({
  method: 'post',
  path: '/v1/me/grant-requests/{id}/decline',
  operationId: 'declineGrantRequest',
  tags,
  security,
  summary: 'Decline',
  request: { params: requestParam },
  responses: {
    200: json(grantDecisionSchema, 'Declined; go to `redirectTo` if set.'),
    ...problemResponses('UNAUTHENTICATED', 'GRANT_REQUEST_NOT_FOUND', 'EXPIRED_TOKEN', ...commonProblems),
  },
});

const listGrantsRoute = createRoute({
  method: 'get',
  path: '/v1/me/grants',
  operationId: 'listGrants',
  tags,
  security,
  summary: 'Every grant I gave',
  request: { query: z.object({ client_id: z.string().optional() }) },
  responses: {
    200: json(z.object({ grants: z.array(ownerGrantSchema) }), 'Newest first, with read counts.'),
    ...problemResponses('UNAUTHENTICATED', ...commonProblems),
  },
});

const revokeRoute = createRoute({
  method: 'post',
  path: '/v1/me/grants/{id}/revoke',
  operationId: 'revokeGrant',
  tags,
  security,
  summary: 'Revoke a grant, at once',
  request: { params: requestParam },
  responses: {
    204: { description: 'Revoked (or already was).' },
    ...problemResponses('UNAUTHENTICATED', 'GRANT_NOT_FOUND', ...commonProblems),
  },
});

const receiptRoute = createRoute({
  method: 'get',
  path: '/v1/me/grants/{id}/receipt',
  operationId: 'getGrantReceipt',
  tags,
  security,
  summary: 'Download the signed consent receipt',
  request: { params: requestParam },
  responses: {
    200: {
      description: 'A JWS (`typ: kith-receipt+jwt`) signed with the vault key.',
      content: { 'application/jwt': { schema: z.string() } },
    },
    ...problemResponses('UNAUTHENTICATED', 'GRANT_NOT_FOUND', ...commonProblems),
  },
});

const accessLogRoute = createRoute({
  method: 'get',
  path: '/v1/me/access-log',
  operationId: 'listAccessLog',
  tags,
  security,
  summary: 'Who read what, and when',
  request: {
    query: z.object({
      client_id: z.string().optional(),
      before: z.coerce.number().int().min(1).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
  },
  responses: {
    200: json(z.object({ entries: z.array(accessLogEntrySchema) }), 'Newest first.'),
    ...problemResponses('UNAUTHENTICATED', 'VALIDATION_FAILED', ...commonProblems),
  },
});

const verifyLogRoute = createRoute({
  method: 'get',
  path: '/v1/me/access-log/verify',
  operationId: 'verifyAccessLog',
  tags,
  security,
  summary: 'Check my access log’s hash chain',
  responses: {
    200: json(
      accessLogVerificationSchema,
      'Whether every entry chains to the one before; `checking` while a long stretch of new entries is verified in the background.',
    ),
    ...problemResponses('UNAUTHENTICATED', ...commonProblems),
  },
});

/** The owner's grant API: answer requests, see and revoke grants, read the access log. */
export function createOwnerGrantRoutes(deps: GrantDeps & SessionDeps & SignInRateLimitDeps & AccessLogDeps) {
  const router = createRouter();
  const noStore = { 'cache-control': 'no-store' };

  return router
    .openapi(showRequestRoute, async (c) => {
      const { id } = c.req.valid('param');
      const request = id.startsWith('grq_')
        ? await findPendingGrantRequest(deps, { id })
        : await findPendingGrantRequestByUserCode(deps, c.get('owner').id, id);
      return c.json(await pendingView(deps, c.get('owner').id, request), 200, noStore);
    })
    .openapi(approveRoute, async (c) => {
      const body = c.req.valid('json');
      const decision = await approveGrantRequest(deps, c.get('owner').id, c.req.valid('param').id, {
        optionalFields: body.optionalFields,
        contact: body.contact,
        ...(body.durationSeconds === undefined ? {} : { durationSeconds: body.durationSeconds }),
        ...(body.agreement === undefined ? {} : { agreement: body.agreement }),
      });
      return c.json(decision, 200, noStore);
    })
    .openapi(declineRoute, async (c) => {
      const decision = await declineGrantRequest(deps, c.get('owner').id, c.req.valid('param').id);
      return c.json(decision, 200, noStore);
    })
    .openapi(listGrantsRoute, async (c) => {
      const grants = await listOwnerGrants(deps, c.get('owner').id, c.req.valid('query').client_id);
      return c.json({ grants: grants.map(grantView) }, 200, noStore);
    })
    .openapi(revokeRoute, async (c) => {
      await revokeGrant(deps, c.get('owner').id, c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(receiptRoute, async (c) => {
      const receipt = await grantReceipt(deps, c.get('owner').id, c.req.valid('param').id);
      return c.body(receipt, 200, {
        'content-type': 'application/jwt',
        'content-disposition': `attachment; filename="kith-receipt-${c.req.valid('param').id}.jwt"`,
        ...noStore,
      });
    })
    .openapi(accessLogRoute, async (c) => {
      const query = c.req.valid('query');
      const entries = await listAccessLog(deps.db, c.get('owner').id, {
        ...(query.client_id ? { clientId: query.client_id } : {}),
        ...(query.before ? { beforeSeq: query.before } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
      });
      return c.json({ entries }, 200, noStore);
    })
    .openapi(verifyLogRoute, async (c) =>
      c.json(
        await deps.accessLogVerifier.status(
          { clock: deps.clock, logger: c.get('logger') },
          c.get('owner').id,
        ),
        200,
        noStore,
      ),
    );
}

async function pendingView(deps: GrantDeps, ownerId: string, request: PendingGrantRequest) {
  const vendor = await vendorDisplay(deps.db, request.clientId);
  const proffered = await profferedAgreement(deps.db, ownerId, request.clientId);
  return {
    id: request.id,
    clientId: request.clientId,
    vendorName: vendor.name,
    userCode: request.userCode,
    fields: request.fields,
    optionalFields: request.optionalFields,
    purpose: request.purpose,
    durationSeconds: request.durationSeconds,
    contact: request.contact,
    expiresAt: new Date(request.expiresAt).toISOString(),
    terms: {
      proffered: proffered ? agreementRef(proffered) : null,
      accepted: request.termsAccepted,
    },
  };
}

function grantView(grant: OwnerGrant) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: grant.id,
    clientId: grant.clientId,
    fields: grant.fields,
    purpose: grant.purpose,
    createdAt: new Date(grant.createdAt).toISOString(),
    expiresAt: new Date(grant.expiresAt).toISOString(),
    collectedAt: iso(grant.collectedAt),
    revokedAt: iso(grant.revokedAt),
    revokedBy: grant.revokedBy,
    live: grant.live,
    reads: grant.reads,
    lastReadAt: iso(grant.lastReadAt),
  };
}
