import type { Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { usableTimeZone } from '../contact-rules/quiet-hours.ts';
import { type ProfileDeps, readProfile } from '../profile/profile.service.ts';
import { PageTimeZone } from './format.ts';
import type { WebEnv } from './web.env.ts';

/** The statuses a page answers with. */
export type PageStatus = 200 | 400 | 401 | 403 | 404 | 409;

/**
 * Renders pages. Every moment on a signed-in page is shown in the owner's
 * saved time zone (UTC when none is saved or the runtime does not know it),
 * and no page may be cached: most show personal data.
 *
 * @example
 * const render = pageRenderer(deps);
 * app.get('/', owner, (c) => render(c, <HomePage … />));
 */
export function pageRenderer(deps: ProfileDeps) {
  return async function renderPage(c: Context<WebEnv>, page: JSX.Element, status: PageStatus = 200) {
    const owner = c.get('owner');
    const timeZone = owner ? await ownerTimeZone(deps, owner.id) : 'UTC';
    return c.html(<PageTimeZone.Provider value={timeZone}>{page}</PageTimeZone.Provider>, status, {
      'cache-control': 'no-store',
    });
  };
}

async function ownerTimeZone(deps: ProfileDeps, ownerId: string): Promise<string> {
  const profile = await readProfile(deps, ownerId);
  return usableTimeZone(profile.fields.zoneinfo?.value);
}
