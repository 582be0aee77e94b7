import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { requireJsonBody } from './json-body.ts';
import { validationHook } from './validation.ts';

/**
 * A sub-app whose routes carry OpenAPI definitions and whose validation
 * failures come out as coded problems. A route that declares a required body
 * (`request.body.required`) refuses a request without a JSON one: the stock
 * validator would otherwise take a bodiless request for `{}`.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const register = router.openapi;
  const needsBody = requireJsonBody();
  router.openapi = ((route, handler, hook) => {
    if (!route.request?.body?.required) return register(route, handler, hook);
    const own = route.middleware === undefined ? [] : [route.middleware].flat();
    return register({ ...route, middleware: [needsBody, ...own] }, handler, hook);
  }) as typeof register;
  return router;
}
