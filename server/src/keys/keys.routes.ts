import { createRoute, z } from '@hono/zod-openapi';
import {
  agreementListings,
  type Discovery,
  discoverySchema,
  profileFields,
  purposeIds,
  purposes,
  VENDOR_SIGNING_ALGS,
} from '@kith/schemas';
import { commonProblems, problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import {
  JWKS_MAX_AGE_SECONDS,
  publicJwks,
  type SigningKeyDeps,
  VAULT_SIGNING_ALG,
  vaultIssuer,
} from './signing-key.service.ts';

const tags = ['Discovery'];

// Short enough that a vendor sees a rotation within minutes; a rotation waits
// until the next key has been published longer than this (NEXT_KEY_MIN_PUBLISHED_MS),
// so a cached copy is never missing a key in use.
const JWKS_CACHE_CONTROL = `public, max-age=${JWKS_MAX_AGE_SECONDS}`;
const DISCOVERY_CACHE_CONTROL = 'public, max-age=3600';

const jwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string(),
  kid: z.string(),
  alg: z.literal(VAULT_SIGNING_ALG),
  use: z.literal('sig'),
});
const jwksSchema = z.object({ keys: z.array(jwkSchema) });

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  security: [],
  tags,
  summary: "The vault's public signing keys (RFC 7517)",
  description:
    'The current key, the next key (published before it signs anything) and retired keys that tokens still alive may name, by `kid`.',
  responses: {
    200: { description: 'A JWK Set.', content: { 'application/json': { schema: jwksSchema } } },
    ...problemResponses(...commonProblems),
  },
});

const discoveryRoute = createRoute({
  method: 'get',
  path: '/.well-known/kith',
  operationId: 'getDiscovery',
  security: [],
  tags,
  summary: 'What a vendor needs to talk to this vault',
  responses: {
    200: {
      description: 'Endpoints, supported fields, purposes and algorithms.',
      content: { 'application/json': { schema: discoverySchema } },
    },
    ...problemResponses(...commonProblems),
  },
});

/**
 * The vault's discovery document, built from its public URL and the
 * catalogues in `@kith/schemas`.
 *
 * @example
 * discoveryDocument(new URL('https://vault.example')).data_endpoint // 'https://vault.example/v1/data'
 */
export function discoveryDocument(publicUrl: URL): Discovery {
  const at = (path: string) => new URL(path, publicUrl).href;
  return {
    issuer: vaultIssuer({ config: { publicUrl } }),
    jwks_uri: at('/.well-known/jwks.json'),
    grant_request_endpoint: at('/v1/grant-requests'),
    grant_collect_endpoint: at('/v1/grants/collect'),
    data_endpoint: at('/v1/data'),
    relinquish_endpoint: at('/v1/grants/relinquish'),
    approve_endpoint: at('/approve'),
    fields_supported: profileFields.map((field) => field.path),
    purposes_supported: purposeIds.map((id) => ({ id, dpv: purposes[id].dpv, label: purposes[id].label })),
    grant_signing_alg_values_supported: [VAULT_SIGNING_ALG],
    dpop_signing_alg_values_supported: [...VENDOR_SIGNING_ALGS],
    token_endpoint_auth_signing_alg_values_supported: [...VENDOR_SIGNING_ALGS],
    terms_supported: agreementListings(publicUrl.origin),
  };
}

/** `/.well-known/jwks.json` and `/.well-known/kith`: public, cacheable, no personal data. */
export function createKeysRoutes(deps: SigningKeyDeps) {
  const discovery = discoveryDocument(deps.config.publicUrl);
  return createRouter()
    .openapi(jwksRoute, async (c) =>
      c.json(await publicJwks(deps), 200, { 'cache-control': JWKS_CACHE_CONTROL }),
    )
    .openapi(discoveryRoute, (c) => c.json(discovery, 200, { 'cache-control': DISCOVERY_CACHE_CONTROL }));
}
