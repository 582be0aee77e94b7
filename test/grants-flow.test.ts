import type { RedeemedData } from '@kith/client';
import { RECEIPT_TYPE } from '@kith/schemas';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot, runKith } from './support/cli.ts';
import { codeOf } from './support/client-errors.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

describeEachDatabase('grants end to end (SDK over HTTP, owner API)', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let florist: TestVendor;
  let owner: { cookie: string };

  beforeAll(async () => {
    vault = await startLiveVault(database());
    // On the vault's clock: waitForGrant's polls advance it instead of sleeping.
    shop = await startTestVendor({ vault, name: 'Corner Shop' });
    florist = await startTestVendor({ vault, name: 'Florist' });
    owner = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: {
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        phone_number: '+447700900123',
        address: { street_address: '12 St James Square', locality: 'London', country: 'GB' },
      },
    });
  });
  afterAll(async () => {
    await shop?.stop();
    await florist?.stop();
    await vault?.stop();
  });

  const approve = (id: string, json: unknown, cookie = owner.cookie) =>
    requestJson<{ redirectTo: string | null; grantId: string }>(
      vault.app,
      `/v1/me/grant-requests/${id}/approve`,
      {
        method: 'POST',
        cookie,
        json,
      },
    );

  it('requests, approves (without an optional field), collects, redeems exactly what was approved, and revokes', async () => {
    const request = await shop.client.requestGrant({
      fields: ['name', 'email', 'address'],
      optionalFields: ['phone_number'],
      purpose: 'delivery',
      duration: '30d',
    });
    expect(request.approveUrl).toBe(`${vault.url}/approve/${request.id}`);
    expect(request.userCode).toMatch(/^KITH-[A-Z0-9]{4}-[A-Z0-9]{4}$/);

    // The owner sees the request by its code, and what it asks.
    const seen = await requestJson<{ vendorName: string; optionalFields: string[] }>(
      vault.app,
      `/v1/me/grant-requests/${request.userCode.toLowerCase()}`,
      { cookie: owner.cookie },
    );
    expect(seen.body).toMatchObject({ vendorName: 'Corner Shop', optionalFields: ['phone_number'] });

    expect(await codeOf(shop.client.collectGrant({ requestId: request.id }))).toBe('AUTHORIZATION_PENDING');
    expect((await approve(request.id, { optionalFields: [], contact: true })).status).toBe(200);

    const grant = await shop.client.collectGrant({ requestId: request.id });
    expect(grant.fields.sort()).toEqual(['address', 'email', 'name']);
    expect(grant.purpose).toBe('delivery');

    const data = (await shop.client.redeem(grant.grant)) as RedeemedData;
    expect(data.fields).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      address: { street_address: '12 St James Square', locality: 'London', country: 'GB' },
    });
    // By path, on either database.
    expect(Object.keys(data.fields)).toEqual(['address', 'email', 'name']);
    expect(data.sub).toBe(grant.sub);

    // Nothing granted changed: a conditional redeem is 304.
    expect(await shop.client.redeem(grant.grant, { ifNoneMatch: data.etag })).toMatchObject({
      notModified: true,
    });
    // A change to a field the shop does not hold changes nothing for it.
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { phone_number: '+447700900999' },
    });
    expect(await shop.client.redeem(grant.grant, { ifNoneMatch: data.etag })).toMatchObject({
      notModified: true,
    });
    // A change to a granted field shows on the next redeem.
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { email: 'ada@lovelace.example' },
    });
    const fresh = (await shop.client.redeem(grant.grant, { ifNoneMatch: data.etag })) as RedeemedData;
    expect(fresh.notModified).toBeFalsy();
    expect(fresh.fields.email).toBe('ada@lovelace.example');

    // The owner revokes; the next redeem is GRANT_REVOKED, whatever exp says.
    const revoke = await requestJson(vault.app, `/v1/me/grants/${grant.grantId}/revoke`, {
      method: 'POST',
      cookie: owner.cookie,
    });
    expect(revoke.status).toBe(204);
    expect(await codeOf(shop.client.redeem(grant.grant))).toBe('GRANT_REVOKED');

    // The access log lists every read, and its chain verifies.
    const log = await requestJson<{ entries: { action: string }[] }>(
      vault.app,
      `/v1/me/access-log?client_id=${encodeURIComponent(shop.clientId)}`,
      {
        cookie: owner.cookie,
      },
    );
    expect(log.body.entries.map((e) => e.action).reverse()).toEqual([
      'grant.approved',
      'grant.collected',
      'data.read',
      'data.read_unchanged',
      'data.read_unchanged',
      'data.read',
      'grant.revoked',
    ]);
    const verified = await requestJson(vault.app, '/v1/me/access-log/verify', { cookie: owner.cookie });
    expect(verified.body).toMatchObject({ ok: true });

    // Both sides hold the same signed consent receipt, verifiable with the vault's published keys.
    const download = await vault.app.request(`/v1/me/grants/${grant.grantId}/receipt`, {
      headers: { cookie: owner.cookie },
    });
    expect(download.headers.get('content-type')).toBe('application/jwt');
    const receipt = await download.text();
    expect(receipt).toBe(grant.receipt);
    const jwks = createRemoteJWKSet(new URL(`${vault.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(receipt, jwks, {
      issuer: vault.url,
      typ: RECEIPT_TYPE,
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload).toMatchObject({
      grant_id: grant.grantId,
      sub: grant.sub,
      controller: { client_id: shop.clientId },
      processing: { purposes: [{ id: 'delivery', dpv: 'dpv:DeliveryOfGoods' }] },
    });
    expect((payload.processing as { personal_data: string[] }).personal_data.sort()).toEqual([
      'address',
      'email',
      'name',
    ]);

    // The operator's CLI verifies every chain too.
    const cli = await runKith(['audit', 'verify'], {
      cwd: repoRoot,
      env: { KITH_DATABASE_URL: database().url, KITH_MASTER_KEY: vault.masterKey },
    });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/ 0 broken\n$/);
    expect(cli.stdout).toMatch(/^ok {6}own_\S+ {2}7 entries$/m);
  });

  it('collects by polling while the owner types the user code', async () => {
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'customer_care',
      duration: '1d',
    });
    // Vault time, which each poll's wait advances at once: well inside the request's 15 minutes.
    const waiting = shop.client.waitForGrant({ requestId: request.id, timeoutMs: 5 * 60_000 });
    // The owner types the code the agent read out, sees the request, approves it.
    const typed = request.userCode.replace('KITH-', '').replace('-', ' ').toLowerCase();
    const seen = await requestJson<{ id: string }>(
      vault.app,
      `/v1/me/grant-requests/${encodeURIComponent(typed)}`,
      {
        cookie: owner.cookie,
      },
    );
    expect(seen.body.id).toBe(request.id);
    await approve(seen.body.id, { optionalFields: [], contact: true });
    const grant = await waiting;
    expect(grant.fields).toEqual(['email']);
  });

  it('collects with the redirect code, once, echoing state', async () => {
    const request = await shop.client.requestGrant({
      fields: ['name'],
      purpose: 'account_management',
      duration: 3600,
      redirectUri: `${shop.origin}/kith/callback`,
      state: 'cart-42',
    });
    const decision = await approve(request.id, { optionalFields: [], contact: true });
    const redirect = new URL(decision.body.redirectTo as string);
    expect(redirect.origin + redirect.pathname).toBe(`${shop.origin}/kith/callback`);
    expect(redirect.searchParams.get('state')).toBe('cart-42');
    const code = redirect.searchParams.get('code') as string;
    const grant = await shop.client.collectGrant({ code });
    expect(grant.state).toBe('cart-42');
    expect(await codeOf(shop.client.collectGrant({ code }))).toBe('INVALID_GRANT');
    // Another vendor cannot use the code either.
    expect(await codeOf(florist.client.collectGrant({ requestId: request.id }))).toBe(
      'GRANT_REQUEST_NOT_FOUND',
    );
  });

  it('answers access_denied when the owner declines', async () => {
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'marketing',
      duration: '7d',
    });
    const declined = await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/decline`, {
      method: 'POST',
      cookie: owner.cookie,
    });
    expect(declined.status).toBe(200);
    expect(await codeOf(shop.client.collectGrant({ requestId: request.id }))).toBe('ACCESS_DENIED');
  });

  it('gives one vendor one stable pairwise subject, and another vendor a different one', async () => {
    const grants = [];
    for (const vendor of [shop, shop, florist]) {
      const request = await vendor.client.requestGrant({
        fields: ['name'],
        purpose: 'personalisation',
        duration: '1d',
      });
      await approve(request.id, { optionalFields: [], contact: true });
      grants.push(await vendor.client.collectGrant({ requestId: request.id }));
    }
    const [a, b, c] = grants;
    expect(a?.sub).toBe(b?.sub);
    expect(a?.grantId).not.toBe(b?.grantId);
    expect(c?.sub).not.toBe(a?.sub);
    // Another owner is another subject, even to the same vendor.
    const other = await vault.signedInOwner();
    const request = await shop.client.requestGrant({
      fields: ['name'],
      purpose: 'personalisation',
      duration: '1d',
    });
    await approve(request.id, { optionalFields: [], contact: true }, other.cookie);
    expect((await shop.client.collectGrant({ requestId: request.id })).sub).not.toBe(a?.sub);
  });

  it('approves many requests of one owner at once without a deadlock or a forked log', async () => {
    const other = await vault.signedInOwner();
    const requests = await Promise.all(
      Array.from({ length: 8 }, () =>
        shop.client.requestGrant({ fields: ['email'], purpose: 'customer_care', duration: '1d' }),
      ),
    );
    const answers = await Promise.all(
      requests.map((r) => approve(r.id, { optionalFields: [], contact: true }, other.cookie)),
    );
    expect(answers.map((a) => a.status)).toEqual(requests.map(() => 200));
    const verified = await requestJson(vault.app, '/v1/me/access-log/verify', { cookie: other.cookie });
    expect(verified.body).toMatchObject({ ok: true, entries: 8 });
  });

  it('lets a vendor relinquish a grant itself', async () => {
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'customer_care',
      duration: '1d',
    });
    await approve(request.id, { optionalFields: [], contact: true });
    const grant = await shop.client.collectGrant({ requestId: request.id });
    await shop.client.relinquish(grant.grant);
    expect(await codeOf(shop.client.redeem(grant.grant))).toBe('GRANT_REVOKED');
    const grants = await requestJson<{ grants: { id: string; revokedBy: string }[] }>(
      vault.app,
      '/v1/me/grants',
      { cookie: owner.cookie },
    );
    expect(grants.body.grants.find((g) => g.id === grant.grantId)?.revokedBy).toBe('vendor');
  });

  it('refuses a redirect URI that is not in the metadata', async () => {
    expect(
      await codeOf(
        shop.client.requestGrant({
          fields: ['email'],
          purpose: 'delivery',
          duration: '1d',
          redirectUri: 'https://evil.example/cb',
        }),
      ),
    ).toBe('REDIRECT_URI_INVALID');
  });
});
