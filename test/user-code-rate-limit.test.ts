import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

describeEachDatabase('user-code entry is rate-limited per owner', (database) => {
  let tv: TestVault;
  beforeAll(async () => {
    tv = await openTestVault(database(), { env: { KITH_SIGN_IN_MAX_ATTEMPTS: '5' } });
  });
  afterAll(() => tv?.close());

  const guess = (cookie: string, code: string) =>
    requestJson<{ code: string }>(tv.app, `/v1/me/grant-requests/${code}`, { cookie });
  // Well-formed codes (digits 2–9 are in the alphabet), none of them issued.
  const guesses = (n: number) => Array.from({ length: n }, (_, i) => `KITH-BCDF-${2222 + i}`);

  it('answers RATE_LIMITED to guesses past the budget, on the API and the form, for that owner only', async () => {
    const mallory = await tv.signedInOwner();
    const codes = [];
    for (const code of guesses(8)) codes.push((await guess(mallory.cookie, code)).body.code);
    expect(codes).toEqual([...Array(5).fill('GRANT_REQUEST_NOT_FOUND'), ...Array(3).fill('RATE_LIMITED')]);

    const limited = await guess(mallory.cookie, 'KITH-BCDF-2222');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe(String(15 * 60));

    // The approval form counts the same budget.
    const page = await tv.app.request('/approve', { headers: { cookie: mallory.cookie } });
    const token = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const csrfCookie = page.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const form = await tv.app.request('/approve', {
      method: 'POST',
      headers: {
        cookie: `${mallory.cookie}; ${csrfCookie}`,
        origin: tv.config.publicUrl.origin,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: token, code: 'KITH-BCDF-2223' }).toString(),
    });
    expect(form.status).toBe(429);

    // Another owner types on, unhindered.
    const other = await tv.signedInOwner();
    expect((await guess(other.cookie, 'KITH-BCDF-2222')).body.code).toBe('GRANT_REQUEST_NOT_FOUND');

    // After the window, guesses are answered again.
    tv.clock.advance(15 * 60_000);
    expect((await guess(mallory.cookie, 'KITH-BCDF-2222')).body.code).toBe('GRANT_REQUEST_NOT_FOUND');
  });
});
