import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.ts';
import { validationHook } from './validation.ts';

/**
 * A sub-app whose routes carry OpenAPI definitions and whose validation
 * failures come out as coded problems.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
