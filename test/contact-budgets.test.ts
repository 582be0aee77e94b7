import { type ContactTermsRequest, isKithClientError } from '@kith/client';
import { contactTermsChangedDataSchema } from '@kith/schemas';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf } from './support/client-errors.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

const keyOf = (clientId: string) => Buffer.from(clientId).toString('base64url');

describeEachDatabase('contact terms and budgets (SDK over HTTP)', (database) => {
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

  /** A new owner with `profile` set, and a collected grant to the shop asking `contact`. */
  async function ownerWithGrant(
    contact: ContactTermsRequest | undefined,
    profile: Record<string, unknown> = {},
  ) {
    const owner = await vault.signedInOwner();
    if (Object.keys(profile).length > 0) {
      const patched = await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: profile,
      });
      expect(patched.status).toBe(200);
    }
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'customer_care',
      duration: '30d',
      ...(contact ? { contact } : {}),
    });
    const approved = await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { optionalFields: [], contact: true },
    });
    expect(approved.status).toBe(200);
    const collected = await shop.client.collectGrant({ requestId: request.id });
    return { ...owner, grant: collected.grant, grantId: collected.grantId };
  }

  const setTerms = (cookie: string, json: unknown) =>
    requestJson<{ effective: { channels: string[]; doNotContact: boolean } }>(
      vault.app,
      `/v1/me/vendors/${keyOf(shop.clientId)}/contact-terms`,
      { method: 'PUT', cookie, json },
    );

  it('records exactly 3 of 20 parallel recordContact calls against a budget of 3, and the log agrees', async () => {
    const { owner, cookie, grant } = await ownerWithGrant({ channels: ['email'], maxPerWeek: 3 });

    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        shop.client.recordContact(grant, { channel: 'email', purpose: 'service' }),
      ),
    );
    const recorded = answers.filter((a) => a.recorded);
    expect(recorded).toHaveLength(3);
    expect(recorded.map((a) => a.remainingThisWeek).sort()).toEqual([0, 1, 2]);

    const rows = await vault.vault.db
      .selectFrom('contact_events')
      .selectAll()
      .where('owner_id', '=', owner.id)
      .orderBy('at')
      .execute();
    const allowed = rows.filter((r) => r.outcome === 'allowed');
    expect(rows).toHaveLength(20);
    expect(allowed).toHaveLength(3);
    expect(rows.every((r) => r.kind === 'contact' && r.client_id === shop.clientId)).toBe(true);

    // Every refusal is the budget, free again when the oldest contact leaves the rolling seven days.
    const oldest = Math.min(...allowed.map((r) => Number(r.at)));
    for (const refused of answers.filter((a) => !a.recorded)) {
      expect(refused).toMatchObject({ allowed: false, reason: 'weekly_limit_reached', remainingThisWeek: 0 });
      expect(refused.nextAllowedAt).toBe(new Date(oldest + WEEK_MS).toISOString());
    }

    const log = await requestJson<{ entries: { action: string; detail: { reason: string } }[] }>(
      vault.app,
      '/v1/me/access-log?limit=100',
      { cookie },
    );
    const contacts = log.body.entries.filter((e) => e.action.startsWith('contact.'));
    expect(contacts.filter((e) => e.action === 'contact.recorded')).toHaveLength(3);
    expect(contacts.filter((e) => e.action === 'contact.refused')).toHaveLength(17);
    const verified = await requestJson<{ ok: boolean }>(vault.app, '/v1/me/access-log/verify', { cookie });
    expect(verified.body.ok).toBe(true);

    // A check counts nothing, but says the same.
    expect(await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).toMatchObject({
      allowed: false,
      reason: 'weekly_limit_reached',
      remainingThisWeek: 0,
    });
  });

  it('refuses marketing when the owner said no marketing, and allows service messages', async () => {
    const { grant } = await ownerWithGrant(
      { channels: ['email', 'sms'], purposes: ['service', 'marketing'], maxPerWeek: 5 },
      { 'contact.no_marketing': true },
    );
    expect(await shop.client.canContact(grant, { channel: 'email', purpose: 'marketing' })).toEqual({
      allowed: false,
      reason: 'marketing_refused',
      nextAllowedAt: null,
      remainingThisWeek: 5,
    });
    expect(await shop.client.recordContact(grant, { channel: 'sms', purpose: 'marketing' })).toMatchObject({
      recorded: false,
      reason: 'marketing_refused',
    });
    expect(await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).toMatchObject({
      allowed: true,
      reason: 'allowed',
      nextAllowedAt: null,
    });
  });

  it('narrows the vendor’s ask by the owner’s channels and weekly limit: the lower wins', async () => {
    const { grant } = await ownerWithGrant(
      { channels: ['email', 'phone', 'sms'], maxPerWeek: 10 },
      { 'contact.channels': ['email', 'post'], 'contact.max_per_week': 2 },
    );
    for (const channel of ['phone', 'sms', 'post'] as const) {
      expect(await shop.client.canContact(grant, { channel, purpose: 'service' })).toMatchObject({
        allowed: false,
        reason: 'channel_not_allowed',
      });
    }
    expect(await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).toMatchObject({
      allowed: true,
      remainingThisWeek: 2,
    });
  });

  it('allows no contact on a grant that asked for none', async () => {
    const { grant } = await ownerWithGrant(undefined);
    expect(await shop.client.canContact(grant, { channel: 'email', purpose: 'service' })).toMatchObject({
      allowed: false,
      reason: 'channel_not_allowed',
      nextAllowedAt: null,
    });
  });

  it('refuses everything at once under "do not contact", and unsetting it restores the terms', async () => {
    const { cookie, grant } = await ownerWithGrant({
      channels: ['email', 'sms'],
      purposes: ['service', 'marketing'],
      maxPerWeek: 5,
    });
    expect((await shop.client.canContact(grant, { channel: 'sms', purpose: 'service' })).allowed).toBe(true);

    const on = await setTerms(cookie, { doNotContact: true });
    expect(on.status).toBe(200);
    expect(on.body.effective.doNotContact).toBe(true);
    for (const channel of ['email', 'sms'] as const) {
      for (const purpose of ['service', 'marketing'] as const) {
        expect(await shop.client.canContact(grant, { channel, purpose })).toMatchObject({
          allowed: false,
          reason: 'do_not_contact',
          nextAllowedAt: null,
        });
      }
    }
    expect(await shop.client.recordContact(grant, { channel: 'email', purpose: 'service' })).toMatchObject({
      recorded: false,
      reason: 'do_not_contact',
    });

    expect((await setTerms(cookie, { doNotContact: false })).status).toBe(200);
    expect(await shop.client.recordContact(grant, { channel: 'email', purpose: 'service' })).toMatchObject({
      recorded: true,
      reason: 'allowed',
      remainingThisWeek: 4,
    });
  });

  it('tells the vendor contact.terms_changed when the owner changes its terms, once per change', async () => {
    const { owner, cookie, grantId } = await ownerWithGrant({
      channels: ['email', 'sms'],
      purposes: ['service', 'marketing'],
      maxPerWeek: 4,
    });
    const changed = await setTerms(cookie, { channels: ['email'], allowMarketing: false, maxPerWeek: 2 });
    expect(changed.body.effective.channels).toEqual(['email']);
    // The same terms again change nothing, so the vendor hears nothing more.
    await setTerms(cookie, { channels: ['email'], allowMarketing: false, maxPerWeek: 2 });

    const events = await vault.vault.db
      .selectFrom('events')
      .selectAll()
      .where('owner_id', '=', owner.id)
      .where('type', '=', 'contact.terms_changed')
      .execute();
    expect(events).toHaveLength(1);
    const data = contactTermsChangedDataSchema.parse(JSON.parse(events[0]?.payload ?? '{}'));
    expect(data).toMatchObject({
      grant_ids: [grantId],
      contact: { channels: ['email'], purposes: ['service'], max_per_week: 2 },
      do_not_contact: false,
    });
    const deliveries = await vault.vault.db
      .selectFrom('deliveries')
      .select('status')
      .where('event_id', '=', events[0]?.id ?? '')
      .execute();
    expect(deliveries).toEqual([{ status: 'pending' }]);
  });

  it('tells the vendor contact.terms_changed when the owner changes their own contact defaults', async () => {
    const { owner, cookie, grantId } = await ownerWithGrant({
      channels: ['email', 'sms'],
      purposes: ['service', 'marketing'],
      maxPerWeek: 4,
    });
    const termsEvents = () =>
      vault.vault.db
        .selectFrom('events')
        .selectAll()
        .where('owner_id', '=', owner.id)
        .where('type', '=', 'contact.terms_changed')
        .execute();
    // A change to anything but the contact defaults says nothing about terms.
    await requestJson(vault.app, '/v1/me/profile', { method: 'PATCH', cookie, json: { nickname: 'Ada' } });
    expect(await termsEvents()).toHaveLength(0);

    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { 'contact.no_marketing': true, 'contact.max_per_week': 1 },
    });
    const events = await termsEvents();
    expect(events).toHaveLength(1);
    const data = contactTermsChangedDataSchema.parse(JSON.parse(events[0]?.payload ?? '{}'));
    expect(data).toMatchObject({ grant_ids: [grantId], contact: { purposes: ['service'], max_per_week: 1 } });
  });

  it('refuses terms for a vendor the owner never granted anything, and bad terms', async () => {
    const { cookie } = await ownerWithGrant({ channels: ['email'] });
    const stranger = keyOf('https://stranger.example/kith.json');
    const unknown = await requestJson<{ code: string }>(
      vault.app,
      `/v1/me/vendors/${stranger}/contact-terms`,
      {
        method: 'PUT',
        cookie,
        json: { doNotContact: true },
      },
    );
    expect(unknown.body.code).toBe('NOT_FOUND');
    for (const json of [
      { maxPerWeek: -1 },
      { maxPerWeek: 1.5 },
      { channels: ['carrier_pigeon'] },
      { channels: ['email', 'email'] },
      { quietHours: { start: '22:00', end: '22:00' } },
      { quietHours: { start: '25:00', end: '07:00' } },
      { doNotContact: 'yes' },
    ]) {
      const res = await setTerms(cookie, json);
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    const anonymous = await requestJson<{ code: string }>(
      vault.app,
      `/v1/me/vendors/${keyOf(shop.clientId)}/contact-terms`,
    );
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');
  });

  it('answers GRANT_REVOKED to a check or record with a revoked grant', async () => {
    const { cookie, grant, grantId } = await ownerWithGrant({ channels: ['email'] });
    const revoked = await requestJson(vault.app, `/v1/me/grants/${grantId}/revoke`, {
      method: 'POST',
      cookie,
    });
    expect(revoked.status).toBe(204);
    expect(await codeOf(shop.client.canContact(grant, { channel: 'email', purpose: 'service' }))).toBe(
      'GRANT_REVOKED',
    );
    expect(await codeOf(shop.client.recordContact(grant, { channel: 'email', purpose: 'service' }))).toBe(
      'GRANT_REVOKED',
    );
  });

  it('records no contact after a revocation that races with records, and does not deadlock', async () => {
    const { cookie, grant, grantId } = await ownerWithGrant({ channels: ['email'], maxPerWeek: 100 });
    const record = () =>
      shop.client.recordContact(grant, { channel: 'email', purpose: 'service' }).then(
        (answer) => (answer.recorded ? 'recorded' : answer.reason),
        (error: unknown) => (isKithClientError(error) ? error.code : 'crashed'),
      );
    // Revoke as soon as the first record is answered, with the others still in flight.
    const inFlight = Array.from({ length: 30 }, record);
    await Promise.race(inFlight);
    const revoke = await requestJson(vault.app, `/v1/me/grants/${grantId}/revoke`, {
      method: 'POST',
      cookie,
    });
    expect(revoke.status).toBe(204);
    const outcomes = await Promise.all(inFlight);
    expect(outcomes).toContain('recorded');
    expect(outcomes.every((o) => o === 'recorded' || o === 'GRANT_REVOKED')).toBe(true);

    const { revoked_at } = await vault.vault.db
      .selectFrom('grants')
      .select('revoked_at')
      .where('id', '=', grantId)
      .executeTakeFirstOrThrow();
    const rows = await vault.vault.db
      .selectFrom('contact_events')
      .select('at')
      .where('grant_id', '=', grantId)
      .execute();
    expect(rows).toHaveLength(outcomes.filter((o) => o === 'recorded').length);
    for (const row of rows) expect(Number(row.at)).toBeLessThanOrEqual(Number(revoked_at));
    expect(await codeOf(shop.client.recordContact(grant, { channel: 'email', purpose: 'service' }))).toBe(
      'GRANT_REVOKED',
    );
  });

  it('refuses a check without the grant’s key, and a bad body', async () => {
    const { grant } = await ownerWithGrant({ channels: ['email'] });
    const bearer = await fetch(`${vault.url}/v1/contact/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${grant}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'email', purpose: 'service' }),
    });
    expect(bearer.status).toBe(401);
    expect(((await bearer.json()) as { code: string }).code).toBe('INVALID_GRANT');
    const bad = await fetch(`${vault.url}/v1/contact/check`, {
      method: 'POST',
      headers: { authorization: `DPoP ${grant}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'telegram', purpose: 'service' }),
    });
    expect(((await bad.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });

  it('documents the contact API in the OpenAPI document', async () => {
    const { body } = await requestJson<{ paths: Record<string, Record<string, unknown>> }>(
      vault.app,
      '/openapi.json',
    );
    expect(Object.keys(body.paths['/v1/contact/check'] ?? {})).toEqual(['post']);
    expect(Object.keys(body.paths['/v1/contact/record'] ?? {})).toEqual(['post']);
    expect(Object.keys(body.paths['/v1/me/vendors/{key}/contact-terms'] ?? {}).sort()).toEqual([
      'get',
      'put',
    ]);
    expect(body.paths['/v1/me/vendors/{key}/contact-events']).toHaveProperty('get');
  });
});
