import { type ErrorCode, errorCodes } from '@kith/schemas';
import { type Context, Hono } from 'hono';
import type { AccessLogDeps } from '../audit/access-log-verifier.ts';
import type { AppEnv } from '../env.ts';
import type { GrantDeps } from '../grants/grant-request.service.ts';
import { handleError } from '../http/error-handler.ts';
import { KithError } from '../http/kith-error.ts';
import type { PasskeyDeps } from '../owners/passkey.service.ts';
import { createAuthRoutes } from './auth.routes.ts';
import { createGrantPageRoutes } from './grant-pages.routes.tsx';
import { ErrorPage } from './pages/error.page.tsx';
import { createPageRoutes } from './pages.routes.tsx';
import { createProfilePageRoutes } from './profile-pages.routes.tsx';
import { createStaticRoutes } from './static.routes.ts';
import { createTermsPageRoutes } from './terms-pages.routes.tsx';
import type { WebEnv } from './web.env.ts';

// What a person is told when a page fails; codes not listed use their title.
const pageErrors: Partial<Record<ErrorCode, { title: string; message: string }>> = {
  CSRF_FAILED: {
    title: 'This form has expired',
    message:
      'For your safety, a form only works from the page it came from. Go back, reload the page and try again.',
  },
  ENROLLMENT_INVALID: {
    title: 'This link does not work',
    message:
      'Enrollment links work once and expire after 24 hours. Ask whoever runs this server for a new one.',
  },
  RATE_LIMITED: { title: 'Too many attempts', message: 'Please wait a few minutes, then try again.' },
  NOT_FOUND: { title: 'Nothing here', message: 'The page you asked for does not exist.' },
  SERVICE_UNAVAILABLE: {
    title: 'Your vault cannot answer right now',
    message: 'Its database is not answering. Please try again in a moment; your data is safe.',
  },
  INTERNAL_ERROR: {
    title: 'Something went wrong on our side',
    message: 'Nothing you did caused this. Please try again in a moment; your data is safe.',
  },
  GRANT_REQUEST_NOT_FOUND: {
    title: 'This request is no longer waiting',
    message:
      'It was already answered, or it never existed. If a vendor is waiting, ask them to send a new one.',
  },
  TERMS_NOT_ACCEPTED: {
    title: 'They have not accepted your terms',
    message:
      'This vendor did not accept the agreement you offer. Go back to approve under one they did accept, or decline; you can also change your terms for them on their page.',
  },
  EXPIRED_TOKEN: {
    title: 'This request has expired',
    message: 'Requests wait 15 minutes for an answer. Ask the vendor to send a new one.',
  },
};

/**
 * The owner's web UI: pages, passkey ceremonies and static files. A failing
 * page answers with a page; a failing ceremony request answers with a problem
 * document like the API.
 */
export function createWebRoutes(deps: PasskeyDeps & GrantDeps & AccessLogDeps) {
  const app = new Hono<WebEnv>();
  app.route('/', createStaticRoutes());
  app.route('/', createAuthRoutes(deps));
  app.route('/', createPageRoutes(deps));
  app.route('/', createProfilePageRoutes(deps));
  app.route('/', createGrantPageRoutes(deps));
  app.route('/', createTermsPageRoutes(deps));
  app.onError(async (error, c) => {
    // The API's handler answers ceremony requests, and logs anything unexpected either way.
    const problem = await handleError(error, c as unknown as Context<AppEnv>);
    if (c.req.path.startsWith('/auth/')) return problem;
    if (error instanceof KithError && error.code === 'UNAUTHENTICATED') return c.redirect('/sign-in', 303);
    // The code the API's handler chose, also for errors that are not ours (a database that is away).
    const { code } = (await problem.clone().json()) as { code: ErrorCode };
    const text = pageErrors[code] ?? {
      title: errorCodes[code].title,
      message: 'Please go back and try again.',
    };
    return c.html(
      <ErrorPage
        nonce={c.get('cspNonce') ?? ''}
        csrfToken={c.get('csrfToken') ?? ''}
        title={text.title}
        message={text.message}
      />,
      problem.status as 400,
      {
        'cache-control': 'no-store',
        ...retryAfterOf(problem),
        ...(error instanceof KithError ? error.headers : {}),
      },
    );
  });
  return app;
}

/** The problem's `Retry-After`, if it gave one, for the page that stands in for it. */
function retryAfterOf(problem: Response): Record<string, string> {
  const retryAfter = problem.headers.get('retry-after');
  return retryAfter === null ? {} : { 'retry-after': retryAfter };
}
