import { profileSections } from '@kith/schemas';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../server/src/http/session-cookie.ts';
import { readProfile, updateProfile } from '../server/src/profile/profile.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { browserFor, sessionToken } from './support/page-browser.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

describeEachDatabase('profile editor sections', (database) => {
  let tv: TestVault;
  const deps = () => ({ db: tv.vault.db, keys: tv.vault.keys, clock: tv.clock });

  beforeAll(async () => {
    tv = await openTestVault(database());
  });
  afterAll(() => tv?.close());

  /** A signed-in owner whose profile holds a field in three sections, and her browser on the editor. */
  async function ownerWithProfile() {
    const { owner, cookie } = await tv.signedInOwner();
    await updateProfile(deps(), owner.id, {
      given_name: 'Ada',
      email: 'ada@example.com',
      'contact.no_marketing': true,
    });
    const me = browserFor(tv, { [SESSION_COOKIE]: sessionToken(cookie) });
    await me.get('/profile');
    return { owner, me };
  }

  /** The section of the page `id` names, from its heading to the next section. */
  function sectionHtml(page: string, id: string): string {
    return page.split('<section').find((s) => s.includes(`data-kith-section="${id}"`)) ?? '';
  }

  it('shows every catalogue section as its own form, posting to its own address with its own Save', async () => {
    const { me } = await ownerWithProfile();
    const page = (await me.get('/profile')).text;
    for (const section of profileSections) {
      const html = sectionHtml(page, section.id);
      expect(html).toContain(`action="/profile/${section.id}"`);
      expect(html).toContain('name="_csrf"');
      expect(html).toContain(`Save ${section.label.toLowerCase()}`);
    }
    expect(page.match(/<form method="post" action="\/profile\//g)).toHaveLength(profileSections.length);
  });

  it("saves one section's fields and leaves every other section as stored", async () => {
    const { owner, me } = await ownerWithProfile();
    // The identity form carries no contact terms: the ticked "no marketing" box must not read as unticked.
    const res = await me.post('/profile/identity', { _csrf: me.token, family_name: 'Lovelace' });
    expect([res.status, res.headers.get('location')]).toEqual([
      303,
      '/profile?saved=identity#section-identity',
    ]);
    const fields = (await readProfile(deps(), owner.id)).fields;
    expect(Object.fromEntries(Object.entries(fields).map(([path, f]) => [path, f?.value]))).toEqual({
      // Emptied in the form that was sent: cleared.
      family_name: 'Lovelace',
      email: 'ada@example.com',
      'contact.no_marketing': true,
    });
    const saved = (await me.get('/profile?saved=identity')).text;
    expect(sectionHtml(saved, 'identity')).toContain('Your name: saved.');
    expect(saved.match(/: saved\./g)).toHaveLength(1);
  });

  it('shows a failed section its errors, keeps what was typed and the other sections, and saves nothing', async () => {
    const { owner, me } = await ownerWithProfile();
    const before = await readProfile(deps(), owner.id);
    const res = await me.post('/profile/contact_details', {
      _csrf: me.token,
      email: 'ada@lovelace.example',
      phone_number: 'call me maybe',
    });
    expect(res.status).toBe(400);
    expect(await readProfile(deps(), owner.id)).toEqual(before);
    const failed = sectionHtml(res.text, 'contact_details');
    expect(failed).toContain('Nothing in this section was saved');
    expect(failed).toContain('href="#f-phone_number"');
    expect(failed).toContain('value="ada@lovelace.example"');
    expect(failed).toContain('value="call me maybe"');
    expect(res.text.match(/field--invalid/g)).toHaveLength(1);
    expect(res.text.match(/class="[^"]*error-summary/g)).toHaveLength(1);
    // The other sections show what is stored.
    expect(sectionHtml(res.text, 'identity')).toContain('value="Ada"');
    expect(sectionHtml(res.text, 'contact')).toMatch(/name="contact\.no_marketing" checked/);
  });

  it('answers an address that names no section, or the old whole-profile form, with nothing saved', async () => {
    const { owner, me } = await ownerWithProfile();
    const before = await readProfile(deps(), owner.id);
    for (const path of ['/profile/nonsense', '/profile/__proto__', '/profile']) {
      const res = await me.post(path, { _csrf: me.token, given_name: 'Mallory' });
      expect([path, res.status]).toEqual([path, 404]);
    }
    expect(await readProfile(deps(), owner.id)).toEqual(before);
  });
});
