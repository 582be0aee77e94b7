import { createHash } from 'node:crypto';
import { createClientAssertion } from '@kith/client';
import {
  type Agreement,
  type AgreementRef,
  agreementRef,
  agreements,
  CLIENT_ASSERTION_TYPE,
  type ConductRecord,
  canonicalAgreementJson,
  type Discovery,
  GRANT_TOKEN_TYPE,
  latestAgreement,
  RECEIPT_TYPE,
  TERMS_ACCEPTED_CLAIM,
} from '@kith/schemas';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codeOf } from './support/client-errors.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveDelivery, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

const ref = (id: string): AgreementRef => agreementRef(latestAgreement(id) as Agreement);
const keyOf = (clientId: string) => Buffer.from(clientId).toString('base64url');

describeEachDatabase('the owner proffers terms, the vendor accepts them (SDK over HTTP)', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let owner: { cookie: string };

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url, name: 'Corner Shop', webhooks: true });
    owner = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { name: 'Ada Lovelace', email: 'ada@example.com' },
    });
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
  });

  const setDefault = (agreement: string | null) =>
    requestJson(vault.app, '/v1/me/terms', { method: 'PUT', cookie: owner.cookie, json: { agreement } });
  const approve = (id: string, json: Record<string, unknown> = {}) =>
    requestJson<{ code?: string; detail?: string }>(vault.app, `/v1/me/grant-requests/${id}/approve`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { optionalFields: [], contact: true, ...json },
    });
  const ask = (options: { terms?: string[]; purpose?: 'delivery' | 'marketing' } = {}) =>
    shop.client.requestGrant({
      fields: ['email'],
      purpose: options.purpose ?? 'delivery',
      duration: '30d',
      contact: { channels: ['email'], purposes: ['service', 'marketing'], maxPerWeek: 5 },
      ...(options.terms ? { terms: options.terms } : {}),
    });

  it('lists every agreement in discovery, its text served at its URL and pinned by its SHA-256', async () => {
    const discovery = (await requestJson<Discovery>(vault.app, '/.well-known/kith')).body;
    expect(discovery.terms_supported.map((t) => t.id)).toEqual(agreements.map((a) => a.id));
    // A vendor sees the same list through the SDK, before it asks.
    expect((await shop.client.discover(vault.url)).terms_supported).toEqual(discovery.terms_supported);
    for (const listed of discovery.terms_supported) {
      const url = new URL(listed.url);
      expect(url.origin).toBe(vault.url);
      const json = await fetch(listed.url, { headers: { accept: 'application/json' } });
      expect(json.status).toBe(200);
      const { sha256, ...agreement } = (await json.json()) as Agreement & { sha256: string };
      const hash = createHash('sha256').update(canonicalAgreementJson(agreement)).digest('hex');
      expect(hash).toBe(listed.sha256);
      expect(sha256).toBe(listed.sha256);
      const page = await fetch(listed.url);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain(listed.title);
    }
    expect((await fetch(`${vault.url}/terms/service-only/99`)).status).toBe(404);
  });

  it('refuses approval with TERMS_NOT_ACCEPTED when the vendor did not accept the owner’s agreement, and leaves the request pending', async () => {
    expect((await setDefault('service-only')).status).toBe(200);
    const request = await ask();
    const seen = await requestJson<{ terms: unknown }>(vault.app, `/v1/me/grant-requests/${request.id}`, {
      cookie: owner.cookie,
    });
    expect(seen.body.terms).toEqual({ proffered: ref('service-only'), accepted: [] });

    const refused = await approve(request.id);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('TERMS_NOT_ACCEPTED');
    // Naming an agreement the vendor did not accept is refused the same way.
    expect((await approve(request.id, { agreement: 'service-and-offers' })).body.code).toBe(
      'TERMS_NOT_ACCEPTED',
    );
    // Nothing was decided: the vendor is still told to wait.
    expect(await codeOf(shop.client.collectGrant({ requestId: request.id }))).toBe('AUTHORIZATION_PENDING');
  });

  it('gives the grant under the agreed terms: in the token, the collected grant and the signed receipt with the vendor’s acceptance', async () => {
    await setDefault('service-only');
    const request = await ask({ terms: ['service-only', 'service-and-offers'] });
    expect((await approve(request.id)).status).toBe(200);
    const grant = await shop.client.collectGrant({ requestId: request.id });
    expect(grant.terms).toEqual(ref('service-only'));

    const jwks = createRemoteJWKSet(new URL(`${vault.url}/.well-known/jwks.json`));
    const token = await jwtVerify(grant.grant, jwks, { typ: GRANT_TOKEN_TYPE });
    expect(token.payload.terms).toEqual(ref('service-only'));
    // The agreement caps the contact the vendor asked for: service only, once a week.
    expect(token.payload.contact).toEqual({ channels: ['email'], purposes: ['service'], max_per_week: 1 });

    const receipt = await jwtVerify(grant.receipt, jwks, { typ: RECEIPT_TYPE });
    const agreement = receipt.payload.agreement as AgreementRef & { accepted_by_controller: string };
    expect(agreement).toMatchObject({ ...ref('service-only'), proffered_by: 'data_subject' });
    // The acceptance is the vendor's own signature over the list it accepted.
    const acceptance = await jwtVerify(
      agreement.accepted_by_controller,
      createLocalJWKSet({ keys: [shop.key.publicJwk] }),
      { issuer: shop.clientId },
    );
    expect(acceptance.payload[TERMS_ACCEPTED_CLAIM]).toEqual([
      ref('service-only'),
      ref('service-and-offers'),
    ]);
  });

  it('lets the owner approve under an agreement the vendor accepted instead of their own', async () => {
    await setDefault('service-only');
    const request = await ask({ terms: ['service-and-offers'] });
    expect((await approve(request.id)).body.code).toBe('TERMS_NOT_ACCEPTED');
    expect((await approve(request.id, { agreement: 'service-and-offers' })).status).toBe(200);
    const grant = await shop.client.collectGrant({ requestId: request.id });
    expect(grant.terms).toEqual(ref('service-and-offers'));
    const claims = decodeJwt(grant.grant);
    expect(claims.contact).toEqual({
      channels: ['email'],
      purposes: ['service', 'marketing'],
      max_per_week: 2,
    });
  });

  it('refuses a purpose the agreement does not allow, even when the vendor accepted it', async () => {
    await setDefault('service-only');
    const request = await ask({ terms: ['service-only'], purpose: 'marketing' });
    const refused = await approve(request.id);
    expect(refused.body.code).toBe('TERMS_NOT_ACCEPTED');
    expect(refused.body.detail).toContain('marketing');
  });

  it('approves on the vendor’s terms when the owner proffers none, as before', async () => {
    await setDefault(null);
    const request = await ask();
    expect((await approve(request.id)).status).toBe(200);
    const grant = await shop.client.collectGrant({ requestId: request.id });
    expect(grant.terms).toBeUndefined();
    expect(decodeJwt(grant.grant).terms).toBeUndefined();
  });

  it('refuses an acceptance that names no agreement this vault offers, exactly', async () => {
    const discovery = (await requestJson<Discovery>(vault.app, '/.well-known/kith')).body;
    for (const accepted of [
      [{ ...ref('service-only'), sha256: '0'.repeat(64) }],
      [{ ...ref('service-only'), version: 2 }],
      [{ id: 'anything-goes', version: 1, sha256: '0'.repeat(64) }],
      'service-only',
      [{ id: 'service-only' }],
    ]) {
      const assertion = await createClientAssertion({
        key: shop.key,
        clientId: shop.clientId,
        audience: discovery.issuer,
        now: Date.now(),
        claims: { [TERMS_ACCEPTED_CLAIM]: accepted },
      });
      const response = await requestJson<{ code: string }>(vault.app, '/v1/grant-requests', {
        method: 'POST',
        json: {
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: assertion,
          fields: ['email'],
          purpose: 'delivery',
          duration: 3600,
        },
      });
      expect(response.body.code, JSON.stringify(accepted)).toBe('VALIDATION_FAILED');
    }
  });

  it('an unknown agreement id is the SDK’s INVALID_ARGUMENT, before anything is sent', async () => {
    expect(await codeOf(ask({ terms: ['anything-goes'] }))).toBe('INVALID_ARGUMENT');
  });

  it('tells vendors holding a live grant when the owner changes the agreement, by terms.changed', async () => {
    await setDefault('service-only');
    const request = await ask({ terms: ['service-only'] });
    await approve(request.id);
    await shop.client.collectGrant({ requestId: request.id });
    const delivery = startLiveDelivery(vault, { pollIntervalMs: 20 });
    try {
      // A per-vendor override to the agreement it already has changes nothing for it.
      const same = await requestJson(vault.app, `/v1/me/vendors/${keyOf(shop.clientId)}/terms`, {
        method: 'PUT',
        cookie: owner.cookie,
        json: { agreement: 'service-only' },
      });
      expect(same.status).toBe(200);
      const changed = await requestJson<{ vendors: unknown[] }>(
        vault.app,
        `/v1/me/vendors/${keyOf(shop.clientId)}/terms`,
        { method: 'PUT', cookie: owner.cookie, json: { agreement: 'one-off' } },
      );
      expect(changed.body.vendors).toEqual([{ client_id: shop.clientId, terms: ref('one-off') }]);
      const termsEvents = () =>
        shop.webhooks.receipts
          .map((r) => JSON.parse(r.body) as { type: string; data: { terms: AgreementRef | null } })
          .filter((e) => e.type === 'terms.changed');
      await shop.webhooks.waitFor(() => termsEvents().some((e) => e.data.terms?.id === 'one-off'));
      // One event per change the shop saw, in whatever order they were delivered: none when the
      // owner proffered nothing (earlier test), service-only again, one-off now. The override to
      // the agreement it already had told it nothing.
      const told = termsEvents().map((e) => e.data.terms?.id ?? 'none');
      expect(told.sort()).toEqual(['none', 'one-off', 'service-only']);
    } finally {
      await delivery.stop();
    }
  });

  it('sets the erasure deadline from the agreement’s retention days when the relationship ends', async () => {
    // The shop's grants so far were given under service-only (30 days) and service-and-offers (90): the shortest wins.
    const ended = await requestJson<{ erasure: { deadline: string; requestedAt?: string } }>(
      vault.app,
      '/v1/me/relationships/end',
      { method: 'POST', cookie: owner.cookie, json: { clientId: shop.clientId } },
    );
    expect(ended.status).toBe(200);
    const days = (Date.parse(ended.body.erasure.deadline) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('counts in the vendor’s conduct record the grants given under her terms, and which, on the API and the page', async () => {
    // Three of the shop's grants so far were given under an agreement it accepted; one on its own terms.
    const record = await requestJson<ConductRecord>(
      vault.app,
      `/v1/me/vendors/${keyOf(shop.clientId)}/conduct`,
      {
        cookie: owner.cookie,
      },
    );
    expect(record.status).toBe(200);
    expect(record.body.terms.accepted).toBe(3);
    expect([...record.body.terms.agreements].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      ref('service-and-offers'),
      ref('service-only'),
    ]);
    const page = await vault.app.request(`/vendors/${keyOf(shop.clientId)}`, {
      headers: { cookie: owner.cookie },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(
      /They accepted your terms on 3 grants \((service-only v1, service-and-offers v1|service-and-offers v1, service-only v1)\)\./,
    );
  });

  it('rejects an agreement id the vault does not offer when the owner picks one', async () => {
    const response = await requestJson<{ code: string }>(vault.app, '/v1/me/terms', {
      method: 'PUT',
      cookie: owner.cookie,
      json: { agreement: 'anything-goes' },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });
});
