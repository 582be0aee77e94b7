import { Hono } from 'hono';
import * as z from 'zod';
import { clientAddress } from '../http/client-address.ts';
import { KithError } from '../http/kith-error.ts';
import { completeEnrollment, enrollmentOptions } from '../owners/enrollment.service.ts';
import { type PasskeyDeps, registerPasskey, registrationOptions } from '../owners/passkey.service.ts';
import {
  reauthenticate,
  reauthenticationOptions,
  signInOptions,
  signInWithPasskey,
} from '../owners/passkey-sign-in.service.ts';
import { csrfProtection } from './csrf.tsx';
import { safeNextPath } from './next-path.ts';
import { requireOwnerPage } from './require-owner-page.ts';
import { setSessionCookie } from './session-cookie.ts';
import type { WebEnv } from './web.env.ts';

const responseBody = z.object({ response: z.looseObject({}) });
const signInVerifyBody = responseBody.extend({ next: z.string().max(500).optional() });
const enrollOptionsBody = z.object({
  token: z.string().min(1).max(100),
  name: z.string().max(200).optional(),
});
const enrollVerifyBody = responseBody.extend({ token: z.string().min(1).max(100) });

/**
 * The passkey ceremonies, as small JSON endpoints for `static/kith.js`: each
 * ceremony is an `options` call (the server issues and stores a challenge) and
 * a `verify` call (the server spends it and checks the answer). All of them
 * are CSRF-protected like forms.
 */
export function createAuthRoutes(deps: PasskeyDeps) {
  const app = new Hono<WebEnv>();
  const csrf = csrfProtection(deps);
  const owner = requireOwnerPage(deps, { problem: true });
  const noStore = { 'cache-control': 'no-store' };

  app.post('/auth/sign-in/options', csrf, async (c) => c.json(await signInOptions(deps), 200, noStore));

  app.post('/auth/sign-in/verify', csrf, async (c) => {
    const { response, next } = await readJson(c.req.raw, signInVerifyBody);
    const { token } = await signInWithPasskey(deps, {
      response,
      userAgent: c.req.header('user-agent') ?? null,
      clientAddress: clientAddress(c, deps.config),
    });
    await setSessionCookie(c, deps, token);
    return c.json({ redirect: safeNextPath(next) }, 200, noStore);
  });

  app.post('/auth/enroll/options', csrf, async (c) => {
    const body = await readJson(c.req.raw, enrollOptionsBody);
    return c.json(await enrollmentOptions(deps, body), 200, noStore);
  });

  app.post('/auth/enroll/verify', csrf, async (c) => {
    const body = await readJson(c.req.raw, enrollVerifyBody);
    const { token } = await completeEnrollment(deps, {
      ...body,
      userAgent: c.req.header('user-agent') ?? null,
    });
    await setSessionCookie(c, deps, token);
    return c.json({ redirect: '/security?welcome=1' }, 200, noStore);
  });

  app.post('/auth/reauthenticate/options', csrf, owner, async (c) =>
    c.json(await reauthenticationOptions(deps, c.get('owner').id), 200, noStore),
  );

  app.post('/auth/reauthenticate/verify', csrf, owner, async (c) => {
    const { response } = await readJson(c.req.raw, responseBody);
    await reauthenticate(deps, {
      ownerId: c.get('owner').id,
      sessionIdHash: c.get('session').idHash,
      response,
    });
    return c.json({ ok: true }, 200, noStore);
  });

  app.post('/auth/passkeys/options', csrf, owner, async (c) =>
    c.json(
      await registrationOptions(deps, { ownerId: c.get('owner').id, session: c.get('session') }),
      200,
      noStore,
    ),
  );

  app.post('/auth/passkeys/verify', csrf, owner, async (c) => {
    const { response } = await readJson(c.req.raw, responseBody);
    await registerPasskey(deps, {
      ownerId: c.get('owner').id,
      session: c.get('session'),
      response,
      userAgent: c.req.header('user-agent') ?? null,
    });
    return c.json({ redirect: '/security?added=1' }, 200, noStore);
  });

  return app;
}

async function readJson<T>(request: Request, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await request.clone().json();
  } catch {
    throw new KithError('MALFORMED_JSON');
  }
  const result = schema.safeParse(body);
  if (!result.success)
    throw new KithError('VALIDATION_FAILED', { detail: 'The ceremony request is malformed.' });
  return result.data;
}
