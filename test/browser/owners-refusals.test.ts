import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, startBrowserVault } from '../support/browser.ts';
import { type BrowserJourney, startBrowserJourney } from '../support/browser-journey.ts';

interface Answer {
  status: number;
  body: { code?: string; redirect?: string };
}

/** Runs the first half of a sign-in on the page: options from its own server, then the authenticator's answer. */
async function assertion(page: Page): Promise<unknown> {
  return page.evaluate(async () => {
    const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
    const res = await fetch('/auth/sign-in/options', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: '{}',
    });
    const webauthn = (
      window as unknown as { SimpleWebAuthnBrowser: { startAuthentication(o: unknown): Promise<unknown> } }
    ).SimpleWebAuthnBrowser;
    return webauthn.startAuthentication({ optionsJSON: await res.json() });
  });
}

/** POSTs JSON from the page (same origin, its CSRF token), as kith.js does. */
async function postFromPage(page: Page, path: string, body: unknown): Promise<Answer> {
  return page.evaluate(
    async ({ path, body }) => {
      const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    { path, body },
  );
}

describeWithBrowser('passkey ceremonies refused in a real browser', (database) => {
  let journey: BrowserJourney;

  /** A fresh page on /security of `url`, signed in (the session cookie serves every port of localhost). */
  const securityPage = async (url = journey.vault.url) => {
    const { page } = journey;
    await page.goto(`${url}/security`);
    expect(new URL(page.url()).pathname).toBe('/security');
  };

  beforeAll(async () => {
    journey = await startBrowserJourney(database(), {
      vault: { realClock: false },
      owner: { name: 'Grace Hopper' },
    });
  });
  afterAll(() => journey?.close());

  it('accepts a genuine assertion once, and refuses the same assertion replayed', async () => {
    const { page } = journey;
    await securityPage();
    const response = await assertion(page);
    expect(await postFromPage(page, '/auth/sign-in/verify', { response })).toEqual({
      status: 200,
      body: { redirect: '/' },
    });
    await securityPage();
    expect(await postFromPage(page, '/auth/sign-in/verify', { response })).toMatchObject({
      status: 401,
      body: { code: 'SIGN_IN_FAILED' },
    });
  });

  it('refuses an assertion whose challenge expired (five minutes)', async () => {
    const { vault, page } = journey;
    await securityPage();
    const response = await assertion(page);
    vault.clock.advance(5 * 60_000);
    expect(await postFromPage(page, '/auth/sign-in/verify', { response })).toMatchObject({
      status: 401,
      body: { code: 'SIGN_IN_FAILED' },
    });
    // Just inside the window, the same steps succeed.
    const fresh = await assertion(page);
    vault.clock.advance(5 * 60_000 - 1);
    expect((await postFromPage(page, '/auth/sign-in/verify', { response: fresh })).status).toBe(200);
  });

  it('refuses an assertion made for another origin, even one sharing the rp id and the database', async () => {
    const { vault, page, browser } = journey;
    // A second server on another port: same database, same rp id (`localhost`), another origin.
    const elsewhere = await startBrowserVault(database(), { masterKey: vault.masterKey });
    try {
      await securityPage(elsewhere.url);
      const response = await assertion(page);
      // Relayed to our server: its challenge is known here (shared database), its origin is not ours.
      const cookies = await browser.context.cookies(vault.url);
      const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
      const relayed = await fetch(`${vault.url}/auth/sign-in/verify`, {
        method: 'POST',
        headers: {
          cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
          'content-type': 'application/json',
          'x-csrf-token': token ?? '',
        },
        body: JSON.stringify({ response }),
      });
      expect(relayed.status).toBe(401);
      expect(await relayed.json()).toMatchObject({ code: 'SIGN_IN_FAILED' });
      // The control: the same steps, answered to the origin they were made for, succeed.
      const own = await assertion(page);
      expect((await postFromPage(page, '/auth/sign-in/verify', { response: own })).status).toBe(200);
    } finally {
      await elsewhere.stop();
    }
  });

  it('refuses and flags a passkey whose signature counter went backwards (a cloned authenticator)', async () => {
    const { vault, page, authenticator } = journey;
    await securityPage();
    expect(
      (await postFromPage(page, '/auth/sign-in/verify', { response: await assertion(page) })).status,
    ).toBe(200);
    // Put the same key back with an older counter, as a copy made earlier would answer.
    const [credential] = await authenticator.credentials();
    if (!credential) throw new Error('the authenticator should hold the passkey');
    await authenticator.removeCredential(credential.credentialId);
    await authenticator.addCredential({ ...credential, signCount: 0 });
    await securityPage();
    expect(
      await postFromPage(page, '/auth/sign-in/verify', { response: await assertion(page) }),
    ).toMatchObject({
      status: 401,
      body: { code: 'SIGN_IN_FAILED' },
    });
    const [row] = await vault.vault.db.selectFrom('passkeys').select('counter_regressed_at').execute();
    expect(row?.counter_regressed_at).toBe(vault.clock.now());
    await securityPage();
    expect(await page.locator('.item__warning').textContent()).toContain('copy of itself');
    // Back to a counter ahead of the stored one, the passkey works again (the flag stays for the owner to see).
    await authenticator.removeCredential(credential.credentialId);
    await authenticator.addCredential({ ...credential, signCount: credential.signCount + 10 });
    expect(
      (await postFromPage(page, '/auth/sign-in/verify', { response: await assertion(page) })).status,
    ).toBe(200);
  });

  it('refuses a registration answered with a sign-in challenge', async () => {
    const { page } = journey;
    // Signed in just now, so adding a passkey needs no further proof.
    await securityPage();
    expect(
      (await postFromPage(page, '/auth/sign-in/verify', { response: await assertion(page) })).status,
    ).toBe(200);
    await securityPage();
    const response = await assertion(page);
    const res = await postFromPage(page, '/auth/passkeys/verify', { response });
    expect(res).toMatchObject({ status: 400, body: { code: 'CHALLENGE_INVALID' } });
  });

  it('sends a stale session back to sign-in, and its forms change nothing', async () => {
    const { vault, page, browser, authenticator } = journey;
    await securityPage();
    const staleToken = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    vault.clock.advance(vault.config.session.idleMs);
    // Away from the keyboard: the sign-in page's autofill request must not sign straight back in.
    await authenticator.setPresence(false);
    await page.goto(`${vault.url}/security`);
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(
      '/sign-in?ended=1&next=%2Fsecurity',
    );
    expect(await page.getByText('Please sign in again.').count()).toBe(1);
    const cookies = await browser.context.cookies(vault.url);
    const res = await fetch(`${vault.url}/security/recovery-codes`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: staleToken ?? '' }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/sign-in/);
    expect(await vault.vault.db.selectFrom('recovery_codes').selectAll().execute()).toEqual([]);
    await authenticator.setPresence(true);
  });
});
