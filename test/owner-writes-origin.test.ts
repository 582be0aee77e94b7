import { afterAll, beforeAll, expect, it } from 'vitest';
import { CSRF_COOKIE, CSRF_HEADER } from '../server/src/web/csrf.tsx';
import { codeOf } from './support/client-errors.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

// Another port on the same host: the same site as the vault (ports do not count, RFC 6265bis §5.2),
// so SameSite=Lax lets the session cookie ride along, but a different origin.
const SIBLING = 'http://localhost:1';

/** Every way a request can say it comes from somewhere else, as a browser would say it. */
const FOREIGN: Record<string, Record<string, string>> = {
  'Sec-Fetch-Site: same-site': { 'sec-fetch-site': 'same-site' },
  'Sec-Fetch-Site: cross-site': { 'sec-fetch-site': 'cross-site' },
  'a sibling Origin': { origin: SIBLING },
  'a sibling Origin with Sec-Fetch-Site: same-site': { origin: SIBLING, 'sec-fetch-site': 'same-site' },
  'Origin: null with Sec-Fetch-Site: same-site': { origin: 'null', 'sec-fetch-site': 'same-site' },
  // A browser always sends one of the two; a request with neither must carry the token.
  'neither header and no token': {},
};

describeEachDatabase('owner writes come from the vault itself (CSRF on the owner API)', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let owner: { cookie: string };

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url, name: 'Corner Shop' });
    owner = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { email: 'ada@example.com', name: 'Ada Lovelace' },
    });
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
  });

  /** Sends a write as the signed-in owner with exactly `headers` besides the cookie. */
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    vault.app.request(path, {
      method,
      headers: { cookie: owner.cookie, ...headers },
      ...(body === undefined ? {} : { body }),
    });

  const pendingRequest = async () =>
    (
      await shop.client.requestGrant({
        fields: ['email'],
        optionalFields: ['name'],
        purpose: 'delivery',
        duration: '730d',
      })
    ).id;

  const isPending = async (id: string) =>
    (await requestJson(vault.app, `/v1/me/grant-requests/${id}`, { cookie: owner.cookie })).status === 200;

  it('refuses every state-changing /v1/me and /auth route when the request says it comes from elsewhere', async () => {
    // Every route the app mounts, so a route added later is covered without anyone remembering to.
    const writes = [
      ...new Set(
        vault.app.routes
          .filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
          .filter((r) => /^\/(v1\/me|auth)\//.test(r.path))
          .map((r) => `${r.method} ${r.path.replaceAll(/:\w+/g, 'x')}`),
      ),
    ];
    expect(writes).toEqual(
      expect.arrayContaining([
        'POST /v1/me/grant-requests/x/approve',
        'POST /v1/me/grant-requests/x/decline',
        'POST /v1/me/grants/x/revoke',
        'PATCH /v1/me/profile',
        'DELETE /v1/me/profile/x',
        'POST /v1/me/relationships/end',
        'POST /auth/sign-in/options',
      ]),
    );
    for (const write of writes) {
      const [method = '', path = ''] = write.split(' ');
      for (const [how, headers] of Object.entries(FOREIGN)) {
        const res = await send(method, path, { 'content-type': 'application/json', ...headers }, '{}');
        expect(res.status, `${write} with ${how}`).toBe(403);
        expect(await res.json(), `${write} with ${how}`).toMatchObject({ code: 'CSRF_FAILED' });
      }
    }
  });

  it('refuses the forged approval (POST, no body, no content type) and leaves the request pending', async () => {
    const id = await pendingRequest();
    for (const headers of Object.values(FOREIGN)) {
      const res = await send('POST', `/v1/me/grant-requests/${id}/approve`, headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'CSRF_FAILED' });
    }
    expect(await isPending(id)).toBe(true);
    expect(await codeOf(shop.client.collectGrant({ requestId: id }))).toBe('AUTHORIZATION_PENDING');
  });

  it('refuses forged declines and revokes too, and changes nothing', async () => {
    const declineId = await pendingRequest();
    const grantId = await pendingRequest();
    const approved = await requestJson<{ grantId: string }>(
      vault.app,
      `/v1/me/grant-requests/${grantId}/approve`,
      { method: 'POST', cookie: owner.cookie, json: { optionalFields: [], contact: true } },
    );
    expect(approved.status).toBe(200);
    for (const path of [
      `/v1/me/grant-requests/${declineId}/decline`,
      `/v1/me/grants/${approved.body.grantId}/revoke`,
    ]) {
      const res = await send('POST', path, FOREIGN['Sec-Fetch-Site: same-site'] ?? {});
      expect(res.status, path).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'CSRF_FAILED' });
    }
    expect(await isPending(declineId)).toBe(true);
    const grants = await requestJson<{ grants: { id: string; live: boolean }[] }>(
      vault.app,
      '/v1/me/grants',
      {
        cookie: owner.cookie,
      },
    );
    expect(grants.body.grants.find((g) => g.id === approved.body.grantId)?.live).toBe(true);
  });

  it('lets the vault’s own pages and scripts through: Sec-Fetch-Site: same-origin, our Origin, or the page’s token', async () => {
    // The page's token: a GET of any owner page sets the CSRF cookie and carries the token in a meta tag.
    const page = await vault.app.request('/', { headers: { cookie: owner.cookie } });
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const csrfCookie = page.headers
      .getSetCookie()
      .find((line) => line.startsWith(`${CSRF_COOKIE}=`))
      ?.split(';')[0];
    expect(token).not.toBe('');
    const ways: Record<string, Record<string, string>> = {
      // What kith.js sends under our no-referrer policy: Origin is null, Sec-Fetch-Site tells.
      'Sec-Fetch-Site: same-origin, Origin: null': { 'sec-fetch-site': 'same-origin', origin: 'null' },
      'our Origin (a script outside a browser)': { origin: vault.url },
      'the page’s token': { cookie: `${owner.cookie}; ${csrfCookie}`, [CSRF_HEADER]: token },
    };
    for (const [how, headers] of Object.entries(ways)) {
      const res = await send(
        'PATCH',
        '/v1/me/profile',
        { 'content-type': 'application/json', ...headers },
        '{"nickname":"Ada"}',
      );
      expect(res.status, how).toBe(200);
    }
    // A token without its cookie, a wrong one, or one minted for another session is not enough.
    const other = await vault.signedInOwner();
    const refused: Record<string, string>[] = [
      { [CSRF_HEADER]: token },
      { cookie: `${owner.cookie}; ${csrfCookie}`, [CSRF_HEADER]: `${token}x` },
      { cookie: `${other.cookie}; ${csrfCookie}`, [CSRF_HEADER]: token },
    ];
    for (const headers of refused) {
      const res = await send(
        'PATCH',
        '/v1/me/profile',
        { 'content-type': 'application/json', ...headers },
        '{}',
      );
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'CSRF_FAILED' });
    }
  });

  it('never takes a bodiless or empty approval for consent: UNSUPPORTED_MEDIA_TYPE, VALIDATION_FAILED', async () => {
    const id = await pendingRequest();
    const sameOrigin = { 'sec-fetch-site': 'same-origin' };
    const bodiless = await send('POST', `/v1/me/grant-requests/${id}/approve`, sameOrigin);
    expect(bodiless.status).toBe(415);
    expect(await bodiless.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    const plain = await send(
      'POST',
      `/v1/me/grant-requests/${id}/approve`,
      { ...sameOrigin, 'content-type': 'text/plain' },
      '{"optionalFields":[],"contact":true}',
    );
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    const empty = await send(
      'POST',
      `/v1/me/grant-requests/${id}/approve`,
      { ...sameOrigin, 'content-type': 'application/json' },
      '{}',
    );
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [
        expect.objectContaining({ path: '/optionalFields' }),
        expect.objectContaining({ path: '/contact' }),
      ],
    });
    expect(await isPending(id)).toBe(true);
    // Saying what is approved, even "no optional field", is an approval.
    const approved = await send(
      'POST',
      `/v1/me/grant-requests/${id}/approve`,
      { ...sameOrigin, 'content-type': 'application/json' },
      '{"optionalFields":[],"contact":true}',
    );
    expect(approved.status).toBe(200);
    expect(await isPending(id)).toBe(false);
  });

  it('refuses a bodiless request on any route that declares a required body, the vendor API included', async () => {
    const res = await vault.app.request('/v1/grant-requests', { method: 'POST' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    const end = await send('POST', '/v1/me/relationships/end', { 'sec-fetch-site': 'same-origin' });
    expect(end.status).toBe(415);
    expect(await end.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});
