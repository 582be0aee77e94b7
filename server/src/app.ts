import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import { createConductRoutes } from './conduct/conduct.routes.ts';
import type { Config } from './config.ts';
import { createContactRoutes } from './contact/contact.routes.ts';
import type { AppEnv } from './env.ts';
import { createGrantRoutes } from './grants/grant.routes.ts';
import { createOwnerGrantRoutes } from './grants/owner-grant.routes.ts';
import { handleError, handleNotFound } from './http/error-handler.ts';
import { jsonBody } from './http/json-body.ts';
import { serveOpenApiDocument } from './http/openapi-document.ts';
import { problemResponse } from './http/problem.ts';
import { createKeysRoutes } from './keys/keys.routes.ts';
import { createDocsRoutes } from './ops/docs.routes.tsx';
import { createHealthRoutes } from './ops/health.routes.ts';
import { createMetricsRoutes } from './ops/metrics.routes.ts';
import type { Metrics } from './ops/metrics.ts';
import { requireOwner } from './owners/require-owner.ts';
import { createProfileRoutes } from './profile/profile.routes.ts';
import { createRelationshipRoutes } from './relationships/relationship.routes.ts';
import { createTermsRoutes } from './terms/terms.routes.ts';
import type { Vault } from './vault.ts';
import { ownerWriteProtection } from './web/csrf.tsx';
import { createWebRoutes } from './web/web.routes.tsx';

/** Everything the app needs, handed in: no global state. */
export interface AppDeps
  extends Pick<
    Vault,
    | 'db'
    | 'keys'
    | 'redeems'
    | 'ed25519'
    | 'groupCommit'
    | 'keyring'
    | 'accessLogVerifier'
    | 'vendorFetches'
    | 'dpopProofKeys'
  > {
  clock: Clock;
  logger: Logger;
  config: Pick<
    Config,
    | 'publicUrl'
    | 'bodyLimitBytes'
    | 'session'
    | 'devAllowLocalVendors'
    | 'signIn'
    | 'vendorRateLimit'
    | 'trustedProxies'
    | 'metrics'
  >;
  /** Prometheus metrics, when `KITH_METRICS` is on; when off, no request pays for them. */
  metrics?: Metrics;
}

/**
 * Builds the Kith HTTP app: one sub-app per domain, one error handler.
 *
 * @example
 * const app = createApp({ ...vault, clock: systemClock, logger, config });
 * const res = await app.request('/healthz');
 */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.use(requestId());
  app.use(async function accessLog(c, next) {
    // The app's own logger, not a child per request: a child costs a serialisation
    // per request, and every line that needs the request id carries it.
    c.set('logger', deps.logger);
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    // The route pattern, never the URL: query strings and paths can carry codes.
    deps.logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        ms: Math.round(ms),
      },
      'request',
    );
    deps.metrics?.observeRequest(c.req.method, c.req.routePath, c.res.status, ms / 1000);
  });
  app.use(async function baseHeaders(c, next) {
    await next();
    // On the response's own headers: `c.header()` after the handler would rebuild the whole response.
    const headers = c.res.headers;
    headers.set('x-content-type-options', 'nosniff');
    headers.set('referrer-policy', 'no-referrer');
    if (deps.config.publicUrl.protocol === 'https:') {
      headers.set('strict-transport-security', 'max-age=63072000; includeSubDomains');
    }
  });
  const limitBody = bodyLimit({
    maxSize: deps.config.bodyLimitBytes,
    onError: (c) => problemResponse('BODY_TOO_LARGE', { requestId: c.get('requestId') }),
  });
  app.use(async function limitRequestBody(c, next) {
    // A GET or HEAD request has no body to limit (its Request is built without one); asking
    // for it would build a whole Fetch Request on the hottest path, the redeem.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return limitBody(c, next);
  });
  // Before any body is read: a forged request is refused as such, not as a bad body.
  app.use(ownerWriteProtection(deps));
  app.use('/v1/*', jsonBody());
  // One guard for the whole owner API, so each request reads its session once,
  // however many domains mount routes under /v1/me.
  app.use('/v1/me/*', requireOwner(deps));

  app.route('/', createHealthRoutes(deps));
  // On the main port only when no port of its own was given (KITH_METRICS_PORT).
  if (deps.metrics && deps.config.metrics && deps.config.metrics.port === undefined) {
    app.route('/', createMetricsRoutes(deps.metrics));
  }
  app.route('/', createProfileRoutes(deps));
  app.route('/', createKeysRoutes(deps));
  app.route('/', createGrantRoutes(deps));
  app.route('/', createOwnerGrantRoutes(deps));
  app.route('/', createContactRoutes(deps));
  app.route('/', createRelationshipRoutes(deps));
  app.route('/', createTermsRoutes(deps));
  app.route('/', createConductRoutes(deps));
  app.route('/', createDocsRoutes());
  app.route('/', createWebRoutes(deps));

  serveOpenApiDocument(app, {
    openapi: '3.1.0',
    info: {
      title: 'Kith',
      version: '0.1.0',
      description:
        'A personal-data vault. Owners keep their profile here and give vendors scoped, expiring, revocable grants. ' +
        'Every error is an RFC 9457 problem document with a stable `code`.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: deps.config.publicUrl.origin }],
  });

  app.onError(handleError);
  app.notFound(handleNotFound);
  return app;
}

export type KithApp = ReturnType<typeof createApp>;
