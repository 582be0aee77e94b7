import { createRoute, z } from '@hono/zod-openapi';
import { conductNarrowedSchema, conductRecordSchema } from '@kith/schemas';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { clientIdOfKey } from '../http/client-id-param.ts';
import { commonProblems, problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import { readConduct } from './conduct.service.ts';
import { narrowGrants } from './narrow-grants.ts';

const tags = ['Vendor conduct (owner)'];
const security = [{ ownerSession: [] }];
const params = z.object({
  key: z.string().min(1).max(2800).describe("The vendor's client id, base64url-encoded."),
});
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const readRoute = createRoute({
  method: 'get',
  path: '/v1/me/vendors/{key}/conduct',
  operationId: 'readVendorConduct',
  tags,
  security,
  summary: "A vendor's conduct record",
  description:
    'Counted from what the vault already records: grants approved, declined, revoked; terms accepted; ' +
    'fields granted against fields read in the last 90 days; reads per week; contact checks and contacts ' +
    'by outcome and reason; erasures acknowledged on time, late or not; webhook deliveries.',
  request: { params },
  responses: {
    200: json(conductRecordSchema, 'The record.'),
    ...problemResponses('UNAUTHENTICATED', 'NOT_FOUND', 'VALIDATION_FAILED', ...commonProblems),
  },
});

const narrowRoute = createRoute({
  method: 'post',
  path: '/v1/me/vendors/{key}/conduct/narrow',
  operationId: 'narrowVendorGrants',
  tags,
  security,
  summary: 'Stop sharing the fields the vendor never read',
  description:
    'In one transaction, each live grant to the vendor keeps only the fields read in the last 90 days: a ' +
    'new grant version (new consent receipt; the vendor gets `grant.narrowed`, and redeem answers only ' +
    'those fields, to the token it holds). A grant none of whose fields was read is revoked (`grant.revoked`).',
  request: { params },
  responses: {
    200: json(conductNarrowedSchema, 'What each grant became.'),
    ...problemResponses(
      'UNAUTHENTICATED',
      'NOT_FOUND',
      'NOTHING_TO_NARROW',
      'VALIDATION_FAILED',
      ...commonProblems,
    ),
  },
});

/** The owner's view of how a vendor behaved, and the one-click narrowing it suggests. */
export function createConductRoutes(deps: GrantDeps) {
  const router = createRouter();
  const noStore = { 'cache-control': 'no-store' };
  return router
    .openapi(readRoute, async (c) => {
      const clientId = clientIdOfKey(c.req.valid('param').key);
      return c.json(await readConduct(deps, c.get('owner').id, clientId), 200, noStore);
    })
    .openapi(narrowRoute, async (c) => {
      const clientId = clientIdOfKey(c.req.valid('param').key);
      return c.json(await narrowGrants(deps, c.get('owner').id, clientId), 200, noStore);
    });
}
