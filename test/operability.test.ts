import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sealField } from '../server/src/keys/field-cipher.ts';
import { ownerDataKey } from '../server/src/owners/owner.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

describeEachDatabase('operability', (database) => {
  let tv: TestVault;
  beforeAll(async () => {
    tv = await openTestVault(database());
  });
  afterAll(() => tv?.close());

  it('answers /healthz and /readyz', async () => {
    expect(await requestJson(tv.app, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await requestJson(tv.app, '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('publishes an OpenAPI 3.1 document generated from the routes', async () => {
    const { status, body } = await requestJson<{
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, { in: string; name: string }> };
    }>(tv.app, '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths['/v1/me/profile'] ?? {}).sort()).toEqual(['get', 'patch']);
    expect(body.paths['/v1/me/profile']?.patch?.responses).toHaveProperty('400');
    expect(body.paths['/v1/me/export']).toHaveProperty('get');
    expect(body.paths['/healthz']).toHaveProperty('get');
    expect(body.components.securitySchemes.ownerSession).toMatchObject({
      in: 'cookie',
      name: '__Host-kith_session',
    });
  });

  it('serves a browsable API reference from its own origin', async () => {
    const page = await tv.app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    const bundle = await tv.app.request('/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await tv.app.request('/docs/nothing.js')).status).toBe(404);
  });

  it('answers an unknown route with a NOT_FOUND problem', async () => {
    const res = await requestJson(tv.app, '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers an unexpected failure with INTERNAL_ERROR, logged by request id and never echoed', async () => {
    const { owner, cookie } = await tv.signedInOwner();
    await requestJson(tv.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { email: 'broken@example.com' },
    });
    // Damage the stored ciphertext behind the server's back: decryption fails deep inside.
    await tv.vault.db
      .updateTable('profile_fields')
      .set({ value_sealed: randomBytes(48) })
      .where('owner_id', '=', owner.id)
      .execute();
    const res = await requestJson<{ code: string; requestId: string; detail: string }>(
      tv.app,
      '/v1/me/profile',
      {
        cookie,
      },
    );
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('INTERNAL_ERROR');
    expect(res.body.detail).toBe('Something went wrong on our side.');
    expect(JSON.stringify(res.body)).not.toMatch(/SealBroken|authentication failed|at \w+ \(/);
    expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
    const logged = tv.logs.map((line) => JSON.parse(line)).find((l) => l.msg === 'unexpected error');
    expect(logged).toMatchObject({
      requestId: res.body.requestId,
      level: 50,
      err: { type: 'SealBrokenError' },
    });
    expect(JSON.stringify(logged)).not.toContain('broken@example.com');
  });

  it('logs every request by route pattern with no personal data', async () => {
    const { cookie } = await tv.signedInOwner();
    await requestJson(tv.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { nickname: 'Pumpernickel-4411' },
    });
    const lines = tv.logs.map((line) => JSON.parse(line));
    expect(
      lines.some((l) => l.msg === 'request' && l.route === '/v1/me/profile' && l.method === 'PATCH'),
    ).toBe(true);
    expect(tv.logs.join('\n')).not.toContain('Pumpernickel-4411');
    expect(tv.logs.join('\n')).not.toContain(cookie.split('=')[1]);
  });

  it('logs neither the query string nor the codes in a path, only the route pattern', async () => {
    const { cookie } = await tv.signedInOwner();
    const marker = 'Quokka-5523';
    await tv.app.request(`/v1/me/profile?email=${marker}@example.com`, { headers: { cookie } });
    await tv.app.request(`/enroll/${marker}?next=${marker}`);
    await tv.app.request(`/approve/${marker}`, { headers: { cookie } });
    const routes = tv.logs
      .map((line) => JSON.parse(line))
      .filter((l) => l.msg === 'request')
      .map((l) => l.route);
    expect(routes).toEqual(expect.arrayContaining(['/v1/me/profile', '/enroll/:token', '/approve/:id']));
    expect(tv.logs.join('\n')).not.toContain(marker);
  });

  it('logs an unexpected failure without its message, which can quote the data it choked on', async () => {
    const { owner, cookie } = await tv.signedInOwner();
    // Short enough that the JSON parser quotes it whole in its message.
    const marker = 'Wombat-8841';
    expect(() => JSON.parse(marker)).toThrow(marker);
    const row = await tv.vault.db
      .selectFrom('owners')
      .select(['id', 'data_key_wrapped'])
      .where('id', '=', owner.id)
      .executeTakeFirstOrThrow();
    await requestJson(tv.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { email: 'w@example.com' },
    });
    // Sealed with the owner's own key, so it opens, but it is not JSON: the parser throws, quoting it.
    await tv.vault.db
      .updateTable('profile_fields')
      .set({ value_sealed: sealField(ownerDataKey(tv.vault.keys, row), owner.id, 'email', marker) })
      .where('owner_id', '=', owner.id)
      .where('path', '=', 'email')
      .execute();
    const res = await requestJson<{ code: string }>(tv.app, '/v1/me/profile', { cookie });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('INTERNAL_ERROR');
    const logged = tv.logs.map((line) => JSON.parse(line)).filter((l) => l.msg === 'unexpected error');
    expect(logged.at(-1)).toMatchObject({ err: { type: 'SyntaxError' } });
    expect(tv.logs.join('\n')).not.toContain(marker);
    expect(JSON.stringify(res.body)).not.toContain(marker);
  });

  it('sends HSTS when its public URL is https, and not over plain http', async () => {
    const plain = await tv.app.request('/healthz');
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    const secure = await openTestVault(database(), {
      masterKey: tv.masterKey,
      env: { KITH_PUBLIC_URL: 'https://vault.example' },
    });
    try {
      const res = await secure.app.request('/healthz');
      expect(res.status).toBe(200);
      expect(res.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    } finally {
      await secure.close();
    }
  });

  it('answers /readyz with SERVICE_UNAVAILABLE once the database is gone', async () => {
    const gone = await openTestVault(database(), { masterKey: tv.masterKey });
    await gone.close();
    const res = await requestJson(gone.app, '/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
