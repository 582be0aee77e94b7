import { createRoute, z } from '@hono/zod-openapi';
import {
  endRelationshipInputSchema,
  erasureAcknowledgedSchema,
  erasureAcknowledgeInputSchema,
  erasureViewSchema,
  grantsSharedSchema,
  relationshipEndedSchema,
  shareGrantsInputSchema,
} from '@kith/schemas';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { bodyProblems, commonProblems, problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import type { SessionDeps } from '../owners/session.service.ts';
import {
  authenticateVendorWithinLimits,
  limitVendorRequests,
  type VendorRateLimitDeps,
} from '../vendors/vendor-rate-limit.ts';
import type { VendorDeps } from '../vendors/verify-client-assertion.ts';
import { acknowledgeErasure, endRelationship, erasureView, latestErasures } from './relationship.service.ts';
import { shareFields } from './share.service.ts';

const security = [{ ownerSession: [] }];
const ownerTags = ['Relationships (owner)'];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const acknowledgeRoute = createRoute({
  method: 'post',
  path: '/v1/erasure/acknowledge',
  operationId: 'acknowledgeErasure',
  security: [{ privateKeyJwt: [] }],
  tags: ['Vendors'],
  summary: 'Confirm you erased what an `erasure.requested` event asked',
  description:
    'Authenticated with a `private_key_jwt` client assertion (RFC 7523): the grants are revoked by then. ' +
    'Send the `erasure_id` from the event. Acknowledging again answers the first acknowledgement.',
  request: {
    body: { required: true, content: { 'application/json': { schema: erasureAcknowledgeInputSchema } } },
  },
  responses: {
    200: json(erasureAcknowledgedSchema, 'Recorded; the owner sees the erasure confirmed.'),
    ...problemResponses(
      'INVALID_CLIENT',
      'ERASURE_NOT_FOUND',
      'RATE_LIMITED',
      'VALIDATION_FAILED',
      'CLIENT_METADATA_INVALID',
      ...bodyProblems,
      ...commonProblems,
    ),
  },
});

const endRoute = createRoute({
  method: 'post',
  path: '/v1/me/relationships/end',
  operationId: 'endRelationship',
  tags: ownerTags,
  security,
  summary: 'End a relationship: revoke every grant to a vendor and ask it to erase',
  description:
    'In one transaction: every grant to the vendor revoked (`grant.revoked` each), `relationship.ended`, and ' +
    '`erasure.requested` with a deadline (30 days unless `erasureDays` says otherwise).',
  request: {
    body: { required: true, content: { 'application/json': { schema: endRelationshipInputSchema } } },
  },
  responses: {
    200: json(relationshipEndedSchema, 'Ended; the erasure is pending.'),
    ...problemResponses(
      'UNAUTHENTICATED',
      'RELATIONSHIP_NOT_FOUND',
      'VALIDATION_FAILED',
      ...bodyProblems,
      ...commonProblems,
    ),
  },
});

const erasuresRoute = createRoute({
  method: 'get',
  path: '/v1/me/erasures',
  operationId: 'listErasures',
  tags: ownerTags,
  security,
  summary: 'Where each erasure I asked for stands',
  responses: {
    200: json(z.object({ erasures: z.array(erasureViewSchema) }), 'The newest per vendor.'),
    ...problemResponses('UNAUTHENTICATED', ...commonProblems),
  },
});

const shareRoute = createRoute({
  method: 'post',
  path: '/v1/me/grants/share',
  operationId: 'shareGrants',
  tags: ownerTags,
  security,
  summary: 'Share details with vendors that did not ask',
  description:
    'One grant per vendor, each announced by a `grant.created` event the vendor collects by its id. Only ' +
    'vendors with a live relationship; all or none.',
  request: {
    body: { required: true, content: { 'application/json': { schema: shareGrantsInputSchema } } },
  },
  responses: {
    201: json(grantsSharedSchema, 'The grants made.'),
    ...problemResponses(
      'UNAUTHENTICATED',
      'RELATIONSHIP_NOT_FOUND',
      'VALIDATION_FAILED',
      'UNKNOWN_FIELD',
      ...bodyProblems,
      ...commonProblems,
    ),
  },
});

/** Goodbyes and unasked sharing: the vendor's acknowledgement, the owner's end and share. */
export function createRelationshipRoutes(deps: GrantDeps & VendorDeps & VendorRateLimitDeps & SessionDeps) {
  const router = createRouter();
  router.use('/v1/erasure/acknowledge', limitVendorRequests(deps));
  const noStore = { 'cache-control': 'no-store' };

  return router
    .openapi(acknowledgeRoute, async (c) => {
      const body = c.req.valid('json');
      const vendor = await authenticateVendorWithinLimits(deps, c, {
        clientAssertionType: body.client_assertion_type,
        clientAssertion: body.client_assertion,
        endpoint: `${deps.config.publicUrl.origin}/v1/erasure/acknowledge`,
      });
      return c.json(await acknowledgeErasure(deps, vendor.clientId, body.erasure_id), 200, noStore);
    })
    .openapi(endRoute, async (c) => {
      const body = c.req.valid('json');
      const ended = await endRelationship(
        deps,
        c.get('owner').id,
        body.clientId,
        body.erasureDays === undefined ? {} : { erasureDays: body.erasureDays },
      );
      return c.json(
        { revokedGrantIds: ended.revokedGrantIds, erasure: erasureView(ended.erasure) },
        200,
        noStore,
      );
    })
    .openapi(erasuresRoute, async (c) => {
      const erasures = await latestErasures(deps, c.get('owner').id);
      return c.json({ erasures: [...erasures.values()].map(erasureView) }, 200, noStore);
    })
    .openapi(shareRoute, async (c) => {
      const body = c.req.valid('json');
      const grants = await shareFields(deps, c.get('owner').id, body);
      return c.json({ grants }, 201, noStore);
    });
}
