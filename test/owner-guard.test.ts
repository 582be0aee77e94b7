import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

/** Every operation of the owner API the OpenAPI document lists, its path parameters filled in. */
async function ownerOperations(tv: TestVault): Promise<{ method: string; path: string }[]> {
  const document = (
    await requestJson<{ paths: Record<string, Record<string, unknown>> }>(tv.app, '/openapi.json')
  ).body;
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/me/'))
    .flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, 'made-up'),
      })),
    );
}

describeEachDatabase('the owner API sits behind one session guard', (database) => {
  let tv: TestVault;
  let operations: { method: string; path: string }[];

  beforeAll(async () => {
    tv = await openTestVault(database());
    operations = await ownerOperations(tv);
  });
  afterAll(async () => {
    await tv?.close();
  });

  it('finds the owner API in the OpenAPI document', () => {
    // The answers below mean something only if every domain's owner routes are listed.
    for (const prefix of ['/v1/me/profile', '/v1/me/grants', '/v1/me/erasures', '/v1/me/terms']) {
      expect(operations.some((o) => o.path.startsWith(prefix))).toBe(true);
    }
  });

  it('refuses every owner operation without a session, as UNAUTHENTICATED', async () => {
    for (const { method, path } of operations) {
      // Same-origin, so the write protection lets it through to the guard.
      const res = await requestJson<{ code: string }>(tv.app, path, {
        method,
        headers: { 'sec-fetch-site': 'same-origin' },
        ...(method === 'GET' ? {} : { json: {} }),
      });
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 401, 'UNAUTHENTICATED']);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('refuses a made-up owner path as UNAUTHENTICATED, not as unknown', async () => {
    const res = await requestJson<{ code: string }>(tv.app, '/v1/me/nothing-here');
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('lets a live session through to every owner operation, and refuses it once idle', async () => {
    const { cookie } = await tv.signedInOwner();
    for (const { path } of operations.filter((o) => o.method === 'GET')) {
      const res = await requestJson<{ code?: string }>(tv.app, path, { cookie });
      expect([path, res.body?.code]).not.toEqual([path, 'UNAUTHENTICATED']);
      expect(res.status).not.toBe(401);
    }
    tv.clock.advance(tv.config.session.idleMs);
    const res = await requestJson<{ code: string }>(tv.app, '/v1/me/profile', { cookie });
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });
});
