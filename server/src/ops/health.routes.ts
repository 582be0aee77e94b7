import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import { problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';

const statusSchema = z.object({ status: z.string() });

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'checkLiveness',
  security: [],
  tags: ['Operations'],
  summary: 'Is the process up?',
  responses: {
    200: { description: 'The process answers.', content: { 'application/json': { schema: statusSchema } } },
  },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'checkReadiness',
  security: [],
  tags: ['Operations'],
  summary: 'Can it serve? (the database answers)',
  responses: {
    200: { description: 'The database answers.', content: { 'application/json': { schema: statusSchema } } },
    ...problemResponses('SERVICE_UNAVAILABLE'),
  },
});

/** Liveness and readiness probes for process managers and load balancers. */
export function createHealthRoutes(deps: { db: Db }) {
  return createRouter()
    .openapi(healthRoute, (c) => c.json({ status: 'ok' }, 200))
    .openapi(readyRoute, async (c) => {
      try {
        await sql`select 1`.execute(deps.db);
      } catch (cause) {
        throw new KithError('SERVICE_UNAVAILABLE', { detail: 'The database does not answer.', cause });
      }
      return c.json({ status: 'ready' }, 200);
    });
}
