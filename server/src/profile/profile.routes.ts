import { createRoute, z } from '@hono/zod-openapi';
import { exportDocumentSchema, profilePatchSchema, profileViewSchema } from '@kith/schemas';
import { listConduct } from '../conduct/conduct.service.ts';
import { bodyProblems, commonProblems, problemResponses } from '../http/openapi.ts';
import { createRouter } from '../http/router.ts';
import type { SessionDeps } from '../owners/session.service.ts';
import {
  clearProfileField,
  exportVault,
  type ProfileDeps,
  readProfile,
  updateProfile,
} from './profile.service.ts';

const tags = ['Profile'];
const security = [{ ownerSession: [] }];
const profileResponse = {
  description: "The owner's profile: every set field with its value and version.",
  content: { 'application/json': { schema: profileViewSchema } },
};

const getProfileRoute = createRoute({
  method: 'get',
  path: '/v1/me/profile',
  operationId: 'getProfile',
  tags,
  security,
  summary: 'Read my profile',
  responses: { 200: profileResponse, ...problemResponses('UNAUTHENTICATED', ...commonProblems) },
});

const patchProfileRoute = createRoute({
  method: 'patch',
  path: '/v1/me/profile',
  operationId: 'updateProfile',
  tags,
  security,
  summary: 'Change some fields of my profile',
  description:
    'A partial update keyed by field path: a value sets the field, `null` clears it, a field left out is kept. ' +
    'Every field is validated against the catalogue and the update is all or nothing.',
  request: {
    body: { required: true, content: { 'application/json': { schema: profilePatchSchema } } },
  },
  responses: {
    200: profileResponse,
    ...problemResponses(
      'UNAUTHENTICATED',
      'VALIDATION_FAILED',
      'UNKNOWN_FIELD',
      ...bodyProblems,
      ...commonProblems,
    ),
  },
});

const clearFieldRoute = createRoute({
  method: 'delete',
  path: '/v1/me/profile/{path}',
  operationId: 'clearProfileField',
  tags,
  security,
  summary: 'Clear one field of my profile',
  request: { params: z.object({ path: z.string().min(1).max(100) }) },
  responses: {
    200: profileResponse,
    ...problemResponses('UNAUTHENTICATED', 'UNKNOWN_FIELD', 'VALIDATION_FAILED', ...commonProblems),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/me/export',
  operationId: 'exportVault',
  tags,
  security,
  summary: 'Download my whole vault',
  responses: {
    200: {
      description: 'The whole vault as one JSON document (schema: `schemas/json/export.schema.json`).',
      content: { 'application/json': { schema: exportDocumentSchema } },
    },
    ...problemResponses('UNAUTHENTICATED', ...commonProblems),
  },
});

/** The owner's own profile API, behind a session. */
export function createProfileRoutes(deps: ProfileDeps & SessionDeps) {
  const router = createRouter();

  return router
    .openapi(getProfileRoute, async (c) => {
      const profile = await readProfile(deps, c.get('owner').id);
      return c.json(profile, 200, { 'cache-control': 'no-store' });
    })
    .openapi(patchProfileRoute, async (c) => {
      const { profile } = await updateProfile(deps, c.get('owner').id, c.req.valid('json'));
      return c.json(profile, 200, { 'cache-control': 'no-store' });
    })
    .openapi(clearFieldRoute, async (c) => {
      const { profile } = await clearProfileField(deps, c.get('owner').id, c.req.valid('param').path);
      return c.json(profile, 200, { 'cache-control': 'no-store' });
    })
    .openapi(exportRoute, async (c) => {
      const ownerId = c.get('owner').id;
      const document = { ...(await exportVault(deps, ownerId)), conduct: await listConduct(deps, ownerId) };
      const day = document.exportedAt.slice(0, 10);
      return c.json(document, 200, {
        'cache-control': 'no-store',
        'content-disposition': `attachment; filename="kith-export-${day}.json"`,
      });
    });
}
