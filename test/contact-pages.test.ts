import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

describeEachDatabase('contact terms on the vendor page (no JavaScript)', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url, name: 'Corner Shop' });
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
  });

  const vendorPath = () => `/vendors/${Buffer.from(shop.clientId).toString('base64url')}`;

  /** An owner with a collected grant asking email and sms, offers included, 3 a week; and a page session. */
  async function ownerWithGrant() {
    const { cookie } = await vault.signedInOwner();
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'customer_care',
      duration: '30d',
      contact: { channels: ['email', 'sms'], purposes: ['service', 'marketing'], maxPerWeek: 3 },
    });
    await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
      method: 'POST',
      cookie,
      json: { optionalFields: [], contact: true },
    });
    const { grant } = await shop.client.collectGrant({ requestId: request.id });

    let cookies = cookie;
    let token = '';
    const get = async (path = vendorPath()) => {
      const res = await vault.app.request(path, { headers: { cookie: cookies } });
      const csrf = res.headers.getSetCookie().find((c) => c.startsWith('__Host-kith_csrf='));
      if (csrf) cookies = `${cookie}; ${csrf.split(';')[0]}`;
      const html = await res.text();
      token = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? token;
      return { status: res.status, html };
    };
    const post = async (path: string, form: Record<string, string | string[]>, withToken = true) => {
      const body = new URLSearchParams();
      if (withToken) body.append('_csrf', token);
      for (const [name, value] of Object.entries(form)) {
        for (const one of [value].flat()) body.append(name, one);
      }
      return vault.app.request(path, {
        method: 'POST',
        headers: {
          cookie: cookies,
          origin: vault.config.publicUrl.origin,
          'sec-fetch-site': 'same-origin',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: body.toString(),
      });
    };
    return { grant, get, post };
  }

  it('shows the terms in plain words, a labelled form, and every check and contact', async () => {
    const { grant, get } = await ownerWithGrant();
    await shop.client.canContact(grant, { channel: 'sms', purpose: 'marketing' });
    await shop.client.recordContact(grant, { channel: 'email', purpose: 'service' });

    const page = await get();
    expect(page.status).toBe(200);
    expect(page.html).toContain(
      'Corner Shop may contact you by email or text message, at most 3 times in any seven days, including offers.',
    );
    // Every control of the contact form has a label pointing at it.
    const ids = [...page.html.matchAll(/<input[^>]*id="(contact-[^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThanOrEqual(6);
    for (const id of ids) expect(page.html, id).toContain(`for="${id}"`);
    const log = /<table class="log" data-kith="contact-log"[\s\S]*?<\/table>/.exec(page.html)?.[0] ?? '';
    expect(log.match(/<tr>/g)).toHaveLength(3);
    expect(log).toContain('Contact');
    expect(log).toContain('Asked whether they may');
    expect(log).toContain('Text message, marketing');
    expect(log).toContain('Allowed');
  });

  it('stops every contact with one click on "Do not contact me", and allows them again', async () => {
    const { grant, get, post } = await ownerWithGrant();
    await get();
    const refused = await post(`${vendorPath()}/do-not-contact`, { do_not_contact: 'on' }, false);
    expect(refused.status).toBe(403);
    expect((await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).allowed).toBe(
      true,
    );

    const on = await post(`${vendorPath()}/do-not-contact`, { do_not_contact: 'on' });
    expect(on.status).toBe(303);
    expect(on.headers.get('location')).toBe(`${vendorPath()}?contact=saved#contact`);
    expect(await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).toMatchObject({
      allowed: false,
      reason: 'do_not_contact',
    });
    const page = await get(`${vendorPath()}?contact=saved`);
    expect(page.html).toContain('You asked Corner Shop not to contact you. Every attempt is refused.');
    expect(page.html).toContain('Allow contact again');
    // The terms form, sent from a page opened before, does not undo it.
    const stale = await post(`${vendorPath()}/contact-terms`, {
      channels: ['email', 'sms'],
      max_per_week: '3',
    });
    expect(stale.status).toBe(303);
    expect((await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).reason).toBe(
      'do_not_contact',
    );

    expect((await post(`${vendorPath()}/do-not-contact`, { do_not_contact: 'off' })).status).toBe(303);
    expect((await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).allowed).toBe(
      true,
    );
  });

  it('tightens channels, marketing, the weekly limit and quiet hours from the form', async () => {
    const { grant, get, post } = await ownerWithGrant();
    await get();
    // A window around now, in UTC (this owner set no time zone).
    const hour = new Date(vault.clock.now()).getUTCHours();
    const hh = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
    const saved = await post(`${vendorPath()}/contact-terms`, {
      channels: 'email',
      marketing: 'no',
      max_per_week: '1',
      quiet_start: hh(hour),
      quiet_end: hh(hour + 2),
    });
    expect(saved.status).toBe(303);
    expect(await shop.client.canContact(grant, { channel: 'sms', purpose: 'service' })).toMatchObject({
      reason: 'channel_not_allowed',
    });
    expect(await shop.client.canContact(grant, { channel: 'email', purpose: 'marketing' })).toMatchObject({
      reason: 'marketing_refused',
    });
    const quiet = await shop.client.canContact(grant, { channel: 'email', purpose: 'service' });
    expect(quiet).toMatchObject({ allowed: false, reason: 'quiet_hours', remainingThisWeek: 1 });
    expect(new Date(quiet.nextAllowedAt ?? '').getUTCHours()).toBe((hour + 2) % 24);

    const page = await get();
    expect(page.html).toContain(
      `Corner Shop may contact you by email, at most once in any seven days, for service messages only. Never during ${hh(hour)}–${hh(hour + 2)} (UTC).`,
    );

    // An unreadable form changes nothing and says so.
    const unreadable: Record<string, string>[] = [
      { max_per_week: 'lots' },
      { max_per_week: '1', quiet_start: '22:00' },
    ];
    for (const form of unreadable) {
      const bad = await post(`${vendorPath()}/contact-terms`, { channels: ['email', 'sms'], ...form });
      expect(bad.headers.get('location')).toBe(`${vendorPath()}?contact=invalid#contact`);
    }
    expect(await shop.client.canContact(grant, { channel: 'sms', purpose: 'service' })).toMatchObject({
      reason: 'channel_not_allowed',
    });
    expect((await get(`${vendorPath()}?contact=invalid`)).html).toContain('Not saved');
  });
});
