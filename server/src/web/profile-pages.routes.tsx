import { profileFields, profileSections } from '@kith/schemas';
import { Hono } from 'hono';
import { KithError } from '../http/kith-error.ts';
import type { PasskeyDeps } from '../owners/passkey.service.ts';
import { parseProfilePatch, readProfile, updateProfile } from '../profile/profile.service.ts';
import { contentSecurityPolicy } from './csp.ts';
import { csrfProtection } from './csrf.tsx';
import { pageRenderer } from './page-renderer.tsx';
import { ProfilePage, sectionAnchor } from './pages/profile.page.tsx';
import { formToPatch, issuesToFormErrors, profileToFormValues } from './profile-form.ts';
import { requireOwnerPage } from './require-owner-page.ts';
import type { WebEnv } from './web.env.ts';

/** The profile editor: one page, one form per catalogue section, each saving only its own fields. */
export function createProfilePageRoutes(deps: PasskeyDeps) {
  const app = new Hono<WebEnv>();
  const csp = contentSecurityPolicy();
  const csrf = csrfProtection(deps);
  const owner = requireOwnerPage(deps);
  const render = pageRenderer(deps);

  app.get('/profile', csp, csrf, owner, async (c) => {
    const profile = await readProfile(deps, c.get('owner').id);
    const saved = profileSections.find((s) => s.id === c.req.query('saved'))?.id;
    return render(
      c,
      <ProfilePage
        nonce={c.get('cspNonce')}
        csrfToken={c.get('csrfToken')}
        values={profileToFormValues(profile)}
        saved={saved}
      />,
    );
  });

  app.post('/profile/:section', csp, csrf, owner, async (c) => {
    const section = profileSections.find((s) => s.id === c.req.param('section'));
    if (!section) throw new KithError('NOT_FOUND');
    const ownerId = c.get('owner').id;
    const current = await readProfile(deps, ownerId);
    const fields = profileFields.filter((f) => f.section === section.id);
    const { patch, values } = formToPatch(await c.req.parseBody({ all: true }), current, fields);
    try {
      // Only this section's fields are in the patch: every other field stays as stored.
      await updateProfile(deps, ownerId, parseProfilePatch(patch));
    } catch (error) {
      // All or nothing: show each problem beside its field, keep what was typed, save nothing.
      if (error instanceof KithError && error.code === 'VALIDATION_FAILED' && error.errors) {
        const others = profileFields.filter((f) => f.section !== section.id);
        return render(
          c,
          <ProfilePage
            nonce={c.get('cspNonce')}
            csrfToken={c.get('csrfToken')}
            values={{ ...profileToFormValues(current, others), ...values }}
            errors={issuesToFormErrors(error.errors)}
            errorsIn={section.id}
          />,
          400,
        );
      }
      throw error;
    }
    return c.redirect(`/profile?saved=${section.id}#${sectionAnchor(section.id)}`, 303);
  });

  return app;
}
