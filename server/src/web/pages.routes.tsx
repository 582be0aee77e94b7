import { profileFields } from '@kith/schemas';
import { type Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { clientAddress } from '../http/client-address.ts';
import { KithError } from '../http/kith-error.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { openEnrollment } from '../owners/enrollment.service.ts';
import { getOwner } from '../owners/owner.service.ts';
import { listPasskeys, type PasskeyDeps, removePasskey, renamePasskey } from '../owners/passkey.service.ts';
import {
  recoveryCodesLeft,
  regenerateRecoveryCodes,
  signInWithRecoveryCode,
} from '../owners/recovery-code.service.ts';
import { endOtherSessions, listSessions, resumeSession } from '../owners/session.service.ts';
import { readProfile } from '../profile/profile.service.ts';
import { contentSecurityPolicy } from './csp.ts';
import { csrfProtection, formString } from './csrf.tsx';
import { vendorSummaries } from './grant-pages.routes.tsx';
import { safeNextPath } from './next-path.ts';
import { pageRenderer } from './page-renderer.tsx';
import { EnrollPage } from './pages/enroll.page.tsx';
import { HomePage } from './pages/home.page.tsx';
import { NewPasskeyPage } from './pages/new-passkey.page.tsx';
import { type SecurityNotice, SecurityPage, type SecurityPageProps } from './pages/security.page.tsx';
import { SignInPage } from './pages/sign-in.page.tsx';
import { requireOwnerPage } from './require-owner-page.ts';
import { clearSessionCookie, setSessionCookie } from './session-cookie.ts';
import type { WebEnv } from './web.env.ts';

type WebContext = Context<WebEnv>;

/** The owner's pages: sign-in, enrollment, home and security (the profile editor has its own routes). */
export function createPageRoutes(deps: PasskeyDeps & GrantDeps) {
  const app = new Hono<WebEnv>();
  const csp = contentSecurityPolicy();
  const csrf = csrfProtection(deps);
  const owner = requireOwnerPage(deps);
  const render = pageRenderer(deps);
  const chrome = (c: WebContext) => ({ nonce: c.get('cspNonce'), csrfToken: c.get('csrfToken') });

  app.get('/sign-in', csp, csrf, async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    const next = safeNextPath(c.req.query('next'));
    if (token && (await resumeSession(deps, token))) return c.redirect(next, 303);
    return render(
      c,
      <SignInPage
        {...chrome(c)}
        signedOut={c.req.query('signed-out') !== undefined}
        sessionEnded={c.req.query('ended') !== undefined}
        next={next}
      />,
    );
  });

  app.post('/sign-in/recovery', csp, csrf, async (c) => {
    const body = await c.req.parseBody({ all: true });
    // From an approval link: the request waits until she has a passkey again.
    const next = safeNextPath(formString(body, 'next'));
    try {
      const { token } = await signInWithRecoveryCode(deps, {
        code: formString(body, 'code') ?? '',
        userAgent: c.req.header('user-agent') ?? null,
        clientAddress: clientAddress(c, deps.config),
      });
      await setSessionCookie(c, deps, token);
      const then = next === '/' ? '' : `?${new URLSearchParams({ next })}`;
      return c.redirect(`/security/passkeys/new${then}`, 303);
    } catch (error) {
      if (error instanceof KithError && error.code === 'SIGN_IN_FAILED') {
        return render(c, <SignInPage {...chrome(c)} recoveryFailed next={next} />, 401);
      }
      throw error;
    }
  });

  app.post('/sign-out', csp, csrf, async (c) => {
    await clearSessionCookie(c, deps);
    return c.redirect('/sign-in?signed-out=1', 303);
  });

  app.get('/enroll/:token', csp, csrf, async (c) => {
    const token = c.req.param('token');
    const enrollment = await openEnrollment(deps, token);
    return render(c, <EnrollPage {...chrome(c)} token={token} ownerName={enrollment.owner?.name ?? null} />);
  });

  app.get('/', csp, csrf, owner, async (c) => {
    const ownerId = c.get('owner').id;
    const me = await getOwner(deps, ownerId);
    if (!me) throw new KithError('UNAUTHENTICATED');
    const profile = await readProfile(deps, ownerId);
    const preferred = profile.fields['preferences.preferred_name']?.value;
    return render(
      c,
      <HomePage
        {...chrome(c)}
        name={preferred ?? me.name}
        filled={Object.keys(profile.fields).length}
        total={profileFields.length}
        passkeys={(await listPasskeys(deps, ownerId)).length}
        recoveryCodesLeft={await recoveryCodesLeft(deps, ownerId)}
        vendors={await vendorSummaries(deps, ownerId)}
      />,
    );
  });

  const securityPage = async (
    c: WebContext,
    extra: Partial<SecurityPageProps> = {},
    status: 200 | 401 | 409 | 400 = 200,
  ) => {
    const ownerId = c.get('owner').id;
    const notice = (['welcome', 'added', 'removed', 'renamed', 'ended'] as const).find(
      (q) => c.req.query(q) !== undefined,
    );
    const fromQuery: Record<string, SecurityNotice> = {
      welcome: 'welcome',
      added: 'passkey-added',
      removed: 'passkey-removed',
      renamed: 'passkey-renamed',
      ended: 'sessions-ended',
    };
    return render(
      c,
      <SecurityPage
        {...chrome(c)}
        passkeys={await listPasskeys(deps, ownerId)}
        recoveryCodesLeft={await recoveryCodesLeft(deps, ownerId)}
        sessions={await listSessions(deps, ownerId, c.get('session').idHash)}
        notice={notice && fromQuery[notice]}
        {...extra}
      />,
      status,
    );
  };

  /** Runs a sensitive change; a stale session gets the security page asking to confirm with a passkey. */
  const sensitive = async (c: WebContext, change: () => Promise<Response>) => {
    try {
      return await change();
    } catch (error) {
      if (error instanceof KithError && error.code === 'REAUTHENTICATION_REQUIRED') {
        return securityPage(c, { notice: 'reauthenticate' }, 401);
      }
      if (error instanceof KithError && error.code === 'LAST_PASSKEY')
        return securityPage(c, { notice: 'last-passkey' }, 409);
      throw error;
    }
  };

  app.get('/security', csp, csrf, owner, (c) => securityPage(c));

  app.get('/security/passkeys/new', csp, csrf, owner, (c) =>
    render(c, <NewPasskeyPage {...chrome(c)} next={safeNextPath(c.req.query('next'))} />),
  );

  app.post('/security/recovery-codes', csp, csrf, owner, (c) =>
    sensitive(c, async () => {
      const codes = await regenerateRecoveryCodes(deps, {
        ownerId: c.get('owner').id,
        session: c.get('session'),
      });
      return securityPage(c, { newRecoveryCodes: codes, notice: undefined });
    }),
  );

  app.post('/security/passkeys/:id/rename', csp, csrf, owner, async (c) => {
    const name = formString(await c.req.parseBody({ all: true }), 'name') ?? '';
    try {
      await renamePasskey(deps, { ownerId: c.get('owner').id, id: c.req.param('id'), name });
    } catch (error) {
      if (error instanceof KithError && error.code === 'VALIDATION_FAILED')
        return securityPage(c, { notice: 'rename-invalid' }, 400);
      throw error;
    }
    return c.redirect('/security?renamed=1', 303);
  });

  app.post('/security/passkeys/:id/remove', csp, csrf, owner, (c) =>
    sensitive(c, async () => {
      await removePasskey(deps, {
        ownerId: c.get('owner').id,
        session: c.get('session'),
        id: c.req.param('id'),
      });
      return c.redirect('/security?removed=1', 303);
    }),
  );

  app.post('/security/sessions/end-others', csp, csrf, owner, async (c) => {
    await endOtherSessions(deps, c.get('owner').id, c.get('session').idHash);
    return c.redirect('/security?ended=1', 303);
  });

  return app;
}
