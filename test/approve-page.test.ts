import { vendorMetadataSchema } from '@kith/schemas';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGrantRequest } from '../server/src/grants/grant-request.service.ts';
import { upsertVendor } from '../server/src/vendors/vendor.repository.ts';
import { describeEachDatabase } from './support/databases.ts';
import { submitPageForm } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

const YEAR = 365 * 24 * 3_600_000;

describeEachDatabase('the approve page, as a person reads it (HTTP)', (database) => {
  let tv: TestVault;
  let cookie: string;

  beforeAll(async () => {
    tv = await openTestVault(database());
    ({ cookie } = await tv.signedInOwner());
  });
  afterAll(() => tv?.close());

  async function pendingRequest(redirectUri?: string) {
    const clientId = 'https://shop.example/kith.json';
    const metadata = vendorMetadataSchema.parse({
      client_id: clientId,
      client_name: 'Corner Shop',
      redirect_uris: ['https://shop.example/kith/return'],
      jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] },
    });
    await upsertVendor(tv.vault.db, {
      client_id: clientId,
      metadata: JSON.stringify(metadata),
      fetched_at: tv.clock.now(),
      expires_at: tv.clock.now() + YEAR,
    });
    const deps = {
      db: tv.vault.db,
      keys: tv.vault.keys,
      keyring: tv.vault.keyring,
      clock: tv.clock,
      config: tv.config,
    };
    return createGrantRequest(
      deps,
      { clientId, metadata },
      {
        fields: ['email'],
        optionalFields: ['phone_number', 'name'],
        purpose: 'delivery',
        durationSeconds: 86_400,
        contact: { channels: ['sms', 'push'], purposes: ['service'], max_per_week: 2 },
        redirectUri,
      },
    );
  }

  it('starts every optional field unticked and every required one ticked, and says why', async () => {
    const { id } = await pendingRequest();
    const res = await tv.app.request(`/approve/${id}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const box = (path: string) => new RegExp(`<input[^>]*id="field-${path}"[^>]*>`).exec(html)?.[0] ?? '';
    for (const optional of ['phone_number', 'name']) {
      expect(box(optional), optional).not.toBe('');
      expect(box(optional), optional).not.toMatch(/\bchecked\b/);
    }
    expect(box('email')).toMatch(/\bchecked\b/);
    expect(box('email')).toMatch(/\bdisabled\b/);
    expect(html).toContain('Optional ones are shared only if you tick them');
  });

  it("lets its forms post only to the vault and the vendor's return address, and allows no <base>", async () => {
    const policyOf = async (id: string) => {
      const res = await tv.app.request(`/approve/${id}`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      return new Map(
        csp.split(';').map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name, values.join(' ')];
        }),
      );
    };
    const plain = await policyOf((await pendingRequest()).id);
    expect(plain.get('form-action')).toBe("'self'");
    expect(plain.get('base-uri')).toBe("'none'");
    const returning = await policyOf((await pendingRequest('https://shop.example/kith/return')).id);
    expect(returning.get('form-action')).toBe("'self' https://shop.example");
    expect(returning.get('base-uri')).toBe("'none'");
  });

  it('names contact channels in plain words, not their wire names', async () => {
    const { id } = await pendingRequest();
    const html = await (await tv.app.request(`/approve/${id}`, { headers: { cookie } })).text();
    const sentence = /They also ask to contact you by([\s\S]*?)\./.exec(html)?.[1] ?? '';
    expect(sentence).toContain('text message or app notification');
    expect(sentence).not.toMatch(/\bsms\b|\bpush\b/);
  });

  /** Answers the request through the page's form, as a browser without JavaScript would. */
  async function approveByForm(id: string, form: Record<string, string>) {
    const res = await submitPageForm(tv, `/approve/${id}`, cookie, { decision: 'approve', ...form });
    expect(res.status).toBe(200);
    const row = await tv.vault.db
      .selectFrom('grant_requests')
      .innerJoin('grants', 'grants.id', 'grant_requests.grant_id')
      .select('grants.contact')
      .where('grant_requests.id', '=', id)
      .executeTakeFirstOrThrow();
    return row.contact === null ? null : (JSON.parse(row.contact) as unknown);
  }

  it('asks contact as an opt-in that starts unticked, at the weekly limit that will apply', async () => {
    const { id } = await pendingRequest();
    const html = await (await tv.app.request(`/approve/${id}`, { headers: { cookie } })).text();
    const box = /<input[^>]*id="contact"[^>]*>/.exec(html)?.[0] ?? '';
    expect(box).toMatch(/type="checkbox"/);
    expect(box).not.toMatch(/\bchecked\b/);
    expect(html).toContain('<label for="contact">Let them contact me</label>');
    expect(/data-kith="contact-limit">([^<]*)</.exec(html)?.[1]).toBe('twice a week');
  });

  it('approves without contact when the opt-in is left unticked, and with the limit shown when ticked', async () => {
    expect(await approveByForm((await pendingRequest()).id, {})).toBeNull();
    expect(await approveByForm((await pendingRequest()).id, { contact: 'yes' })).toEqual({
      channels: ['sms', 'push'],
      purposes: ['service'],
      max_per_week: 2,
    });
  });

  it('styles the code box like every other text field (the stylesheet matches input[type="text"])', async () => {
    const html = await (await tv.app.request('/approve', { headers: { cookie } })).text();
    const input = /<input[^>]*id="code"[^>]*>/.exec(html)?.[0] ?? '';
    expect(input).toMatch(/type="text"/);
    expect(input).toMatch(/class="input--code"/);
  });

  it('says on the sign-in page that a vendor is waiting, when the owner comes from an approval link', async () => {
    const html = await (await tv.app.request('/sign-in?next=%2Fapprove%2Fgrq_x')).text();
    expect(html).toContain('A vendor is waiting for your answer');
    const plain = await (await tv.app.request('/sign-in')).text();
    expect(plain).not.toContain('A vendor is waiting for your answer');
  });
});
