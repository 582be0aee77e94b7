import { createRoute, z } from '@hono/zod-openapi';
import { ownerTermsSchema, setTermsInputSchema } from '@kith/schemas';
import { clientIdOfKey } from '../http/client-id-param.ts';
import { bodyProblems, commonProblems, problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import type { SessionDeps } from '../owners/session.service.ts';
import { readOwnerTerms, setProfferedTerms, type TermsDeps } from './terms.service.ts';

const tags = ['Terms (owner)'];
const security = [{ ownerSession: [] }];
const termsAnswer = {
  description: 'The agreement I offer by default, and to which vendors another.',
  content: { 'application/json': { schema: ownerTermsSchema } },
};
const setBody = {
  required: true,
  content: { 'application/json': { schema: setTermsInputSchema } },
} as const;
const setProblems = problemResponses(
  'UNAUTHENTICATED',
  'VALIDATION_FAILED',
  ...bodyProblems,
  ...commonProblems,
);

const readRoute = createRoute({
  method: 'get',
  path: '/v1/me/terms',
  operationId: 'getMyTerms',
  tags,
  security,
  summary: 'The agreement I offer vendors',
  responses: { 200: termsAnswer, ...problemResponses('UNAUTHENTICATED', ...commonProblems) },
});

const setDefaultRoute = createRoute({
  method: 'put',
  path: '/v1/me/terms',
  operationId: 'setMyTerms',
  tags,
  security,
  summary: 'Offer an agreement to every vendor',
  description:
    'By agreement id, in its newest version; `null` offers none. Vendors holding a live grant whose ' +
    'agreement changed get `terms.changed`. Grants already given keep the terms they were given under.',
  request: { body: setBody },
  responses: { 200: termsAnswer, ...setProblems },
});

const setVendorRoute = createRoute({
  method: 'put',
  path: '/v1/me/vendors/{key}/terms',
  operationId: 'setMyTermsForVendor',
  tags,
  security,
  summary: 'Offer one vendor another agreement',
  description: '`null` makes the vendor follow my default again. The vendor gets `terms.changed`.',
  request: {
    params: z.object({
      key: z.string().min(1).max(2800).describe("The vendor's client id, base64url-encoded."),
    }),
    body: setBody,
  },
  responses: { 200: termsAnswer, ...setProblems },
});

/** The owner's own terms: which standard agreement they proffer, by default and per vendor. */
export function createTermsRoutes(deps: TermsDeps & SessionDeps) {
  const router = createRouter();
  const noStore = { 'cache-control': 'no-store' };
  return router
    .openapi(readRoute, async (c) => c.json(await readOwnerTerms(deps.db, c.get('owner').id), 200, noStore))
    .openapi(setDefaultRoute, async (c) => {
      const { agreement } = c.req.valid('json');
      return c.json(
        await setProfferedTerms(deps, c.get('owner').id, { agreementId: agreement }),
        200,
        noStore,
      );
    })
    .openapi(setVendorRoute, async (c) => {
      const clientId = clientIdOfKey(c.req.valid('param').key);
      const { agreement } = c.req.valid('json');
      const terms = await setProfferedTerms(deps, c.get('owner').id, { agreementId: agreement, clientId });
      return c.json(terms, 200, noStore);
    });
}
