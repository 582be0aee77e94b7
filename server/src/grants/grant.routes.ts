import { createRoute } from '@hono/zod-openapi';
import {
  collectGrantInputSchema,
  grantCollectedSchema,
  grantRequestCreatedSchema,
  grantRequestInputSchema,
  redeemedDataSchema,
} from '@kith/schemas';
import type { Context } from 'hono';
import type { AppEnv } from '../env.ts';
import { KithError } from '../http/kith-error.ts';
import { bodyProblems, commonProblems, problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import {
  authenticateVendorWithinLimits,
  limitVendorRequests,
  type VendorRateLimitDeps,
} from '../vendors/vendor-rate-limit.ts';
import type { VendorDeps } from '../vendors/verify-client-assertion.ts';
import { verifyDpopProof } from '../vendors/verify-dpop-proof.ts';
import { relinquishGrant } from './grant.service.ts';
import { collectGrant } from './grant-collect.service.ts';
import type { GrantPresentation } from './grant-presentation.ts';
import { type RedeemDeps, redeemGrant } from './grant-redeem.service.ts';
import { createGrantRequest } from './grant-request.service.ts';
import { termsAcceptedBy } from './terms-acceptance.ts';

const tags = ['Vendors'];

const requestRoute = createRoute({
  method: 'post',
  path: '/v1/grant-requests',
  operationId: 'requestGrant',
  security: [{ privateKeyJwt: [] }],
  tags,
  summary: 'Ask an owner for a grant',
  description:
    'Authenticated with a `private_key_jwt` client assertion (RFC 7523). Answers a link to send the person to ' +
    'and a short code they can type at `/approve` instead.',
  request: { body: { required: true, content: { 'application/json': { schema: grantRequestInputSchema } } } },
  responses: {
    201: {
      description: 'The request is waiting for the owner.',
      content: { 'application/json': { schema: grantRequestCreatedSchema } },
    },
    ...problemResponses(
      'INVALID_CLIENT',
      'RATE_LIMITED',
      'VALIDATION_FAILED',
      'UNKNOWN_FIELD',
      'REDIRECT_URI_INVALID',
      'CLIENT_METADATA_INVALID',
      ...bodyProblems,
      ...commonProblems,
    ),
  },
});

const collectRoute = createRoute({
  method: 'post',
  path: '/v1/grants/collect',
  operationId: 'collectGrant',
  security: [{ privateKeyJwt: [] }],
  tags,
  summary: 'Collect an approved grant',
  description:
    'With the one-time `code` from the redirect, by polling with `request_id` (RFC 8628 answers), or with the ' +
    '`grant_id` of a `grant.created` event. ' +
    'Send a `DPoP` proof (RFC 9449): the grant is bound to its key.',
  request: { body: { required: true, content: { 'application/json': { schema: collectGrantInputSchema } } } },
  responses: {
    200: {
      description: 'The grant token and its consent receipt.',
      content: { 'application/json': { schema: grantCollectedSchema } },
    },
    ...problemResponses(
      'AUTHORIZATION_PENDING',
      'SLOW_DOWN',
      'ACCESS_DENIED',
      'EXPIRED_TOKEN',
      'INVALID_GRANT',
      'GRANT_REVOKED',
      'GRANT_EXPIRED',
      'INVALID_CLIENT',
      'INVALID_DPOP_PROOF',
      'GRANT_REQUEST_NOT_FOUND',
      'RATE_LIMITED',
      ...bodyProblems,
      ...commonProblems,
    ),
  },
});

const dataRoute = createRoute({
  method: 'get',
  path: '/v1/data',
  operationId: 'redeemGrant',
  security: [{ dpop: [] }],
  tags,
  summary: 'Redeem a grant: read the granted fields',
  description:
    '`Authorization: DPoP <grant>` with a `DPoP` proof carrying `ath`. Send `If-None-Match` with the last `ETag` ' +
    'to get 304 when nothing granted changed. Every read is in the owner’s access log.',
  // Documented, not validated by zod: the redeem checks each header itself, and a
  // validator would copy every header of every request on the hottest path.
  parameters: [
    {
      name: 'DPoP',
      in: 'header',
      required: true,
      schema: { type: 'string' },
      description: 'The proof (RFC 9449).',
    },
    { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
  ],
  responses: {
    200: {
      description: 'The granted fields that are set.',
      content: { 'application/json': { schema: redeemedDataSchema } },
    },
    304: { description: 'Nothing granted changed since the `ETag` sent.' },
    ...problemResponses('INVALID_GRANT', 'GRANT_REVOKED', 'GRANT_EXPIRED', ...commonProblems),
  },
});

const relinquishRoute = createRoute({
  method: 'post',
  path: '/v1/grants/relinquish',
  operationId: 'relinquishGrant',
  security: [{ dpop: [] }],
  tags,
  summary: 'Give a grant back',
  description:
    'Presented like a redeem. Afterwards the grant is revoked and every redeem is `GRANT_REVOKED`.',
  responses: {
    204: { description: 'The grant is revoked.' },
    ...problemResponses('INVALID_GRANT', 'GRANT_REVOKED', 'GRANT_EXPIRED', ...commonProblems),
  },
});

/** The vendor-facing grant API: request, collect, redeem, relinquish. */
export function createGrantRoutes(deps: RedeemDeps & VendorDeps & VendorRateLimitDeps) {
  const endpoint = (path: string) => `${deps.config.publicUrl.origin}${path}`;

  const router = createRouter();
  router.use('/v1/grant-requests', limitVendorRequests(deps));
  router.use('/v1/grants/collect', limitVendorRequests(deps));
  return router
    .openapi(requestRoute, async (c) => {
      const body = c.req.valid('json');
      const vendor = await authenticateVendorWithinLimits(deps, c, {
        clientAssertionType: body.client_assertion_type,
        clientAssertion: body.client_assertion,
        endpoint: endpoint('/v1/grant-requests'),
      });
      const created = await createGrantRequest(deps, vendor, {
        fields: body.fields,
        optionalFields: body.optional_fields,
        purpose: body.purpose,
        durationSeconds: body.duration,
        contact: body.contact,
        redirectUri: body.redirect_uri,
        state: body.state,
        termsAccepted: termsAcceptedBy(vendor.claims),
        assertion: body.client_assertion,
      } as Parameters<typeof createGrantRequest>[2]);
      return c.json(created, 201, { 'cache-control': 'no-store' });
    })
    .openapi(collectRoute, async (c) => {
      const body = c.req.valid('json');
      const vendor = await authenticateVendorWithinLimits(deps, c, {
        clientAssertionType: body.client_assertion_type,
        clientAssertion: body.client_assertion,
        endpoint: endpoint('/v1/grants/collect'),
      });
      const by = body.code
        ? { code: body.code }
        : body.request_id
          ? { requestId: body.request_id }
          : body.grant_id
            ? { grantId: body.grant_id }
            : undefined;
      if (!by) {
        throw new KithError('VALIDATION_FAILED', {
          detail:
            'Send `code` (from the redirect), `request_id` (to poll) or `grant_id` (from `grant.created`).',
          errors: [{ path: '/request_id', code: 'required', message: 'Send code, request_id or grant_id.' }],
        });
      }
      const { jkt } = await verifyDpopProof(deps, {
        dpop: c.req.header('dpop'),
        method: 'POST',
        path: c.req.path,
      });
      const collected = await collectGrant(deps, vendor.clientId, by, jkt);
      return c.json(collected, 200, { 'cache-control': 'no-store' });
    })
    .openapi(dataRoute, async (c) => {
      const { data, etag, notModified } = await redeemGrant(deps, presentation(c), {
        ifNoneMatch: c.req.header('if-none-match'),
      });
      const headers = { etag, 'cache-control': 'no-store', vary: 'authorization, dpop' };
      if (notModified) return c.body(null, 304, headers);
      return c.json(data, 200, headers);
    })
    .openapi(relinquishRoute, async (c) => {
      await relinquishGrant(deps, presentation(c));
      return c.body(null, 204);
    });
}

function presentation(c: Context<AppEnv>): GrantPresentation {
  return {
    authorization: c.req.header('authorization'),
    dpop: c.req.header('dpop'),
    method: c.req.method,
    path: c.req.path,
  };
}
