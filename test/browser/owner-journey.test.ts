import { existsSync, readFileSync } from 'node:fs';
import type { ProfileView } from '@kith/schemas';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../server/src/http/session-cookie.ts';
import { startSession } from '../../server/src/owners/session.service.ts';
import {
  addVirtualAuthenticator,
  type BrowserVault,
  checkPage,
  describeWithBrowser,
  launchBrowser,
  startBrowserVault,
  type TestBrowser,
  type VirtualAuthenticator,
  type VirtualCredential,
} from '../support/browser.ts';
import { runKith } from '../support/cli.ts';
import { createTempDir } from '../support/temp-dir.ts';

// Distinctive values typed into the profile: finding one on disk means it leaked.
const values = {
  given_name: 'Quillonia',
  family_name: 'Marchbank-Oyelaran',
  email: 'quillonia.m.4471@example.org',
  locality: 'Thornwick-under-Lyme',
};

/** The paths of the owner's set profile fields, read through the API with the page's cookies. */
async function profileFields(page: Page, url: string): Promise<string[]> {
  const res = await page.request.get(`${url}/v1/me/profile`);
  expect(res.status()).toBe(200);
  return Object.keys(((await res.json()) as ProfileView).fields);
}

async function passkeyRows(vault: BrowserVault) {
  const rows = await vault.vault.db
    .selectFrom('passkeys')
    .select(['id', 'owner_id', 'credential_id'])
    .execute();
  return rows.map((r) => ({ id: r.id, ownerId: r.owner_id, credentialId: r.credential_id }));
}

/** CDP hands credential ids out in base64; WebAuthn (and the database) use base64url. */
function base64url(base64: string | undefined): string {
  return Buffer.from(base64 ?? '', 'base64').toString('base64url');
}

/** GET / with only this cookie: 200 for a live session, 303 (to sign-in) otherwise. */
async function pageStatus(url: string, cookie: string): Promise<number> {
  return (await fetch(`${url}/`, { headers: { cookie }, redirect: 'manual' })).status;
}

/** Runs a discoverable sign-in ceremony from a script on the page, as kith.js does, and returns the verify answer. */
export async function scriptedSignIn(page: Page): Promise<{ status: number; body: { code?: string } }> {
  return page.evaluate(async () => {
    const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
    const post = async (url: string, body?: unknown) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(body ?? {}),
      });
      return { status: res.status, body: await res.json() };
    };
    const options = await post('/auth/sign-in/options');
    const webauthn = (
      window as unknown as { SimpleWebAuthnBrowser: { startAuthentication(o: unknown): Promise<unknown> } }
    ).SimpleWebAuthnBrowser;
    const response = await webauthn.startAuthentication({ optionsJSON: options.body });
    return post('/auth/sign-in/verify', { response });
  });
}

/** Which needles occur in the raw database (file and WAL, or every row's text) or in the logs. */
async function plaintextFound(vault: BrowserVault, needles: string[]): Promise<string[]> {
  let raw: Buffer;
  if (vault.config.database.kind === 'sqlite') {
    const path = vault.config.database.path;
    raw = Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p)));
  } else {
    const tables = await sql<{
      tablename: string;
    }>`select tablename from pg_tables where schemaname = 'public'`.execute(vault.vault.db);
    const dumps: string[] = [];
    for (const { tablename } of tables.rows) {
      const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(tablename)} t`.execute(
        vault.vault.db,
      );
      dumps.push(...rows.rows.map((r) => r.row));
    }
    raw = Buffer.from(dumps.join('\n'), 'utf8');
  }
  expect(raw.length).toBeGreaterThan(0);
  const logs = Buffer.from(vault.logs.join('\n'));
  return needles.filter((n) =>
    [raw, logs].some((hay) => hay.includes(Buffer.from(n)) || hay.includes(Buffer.from(n, 'utf16le'))),
  );
}

describeWithBrowser('owner journey in a real browser', (database) => {
  let vault: BrowserVault;
  let browser: TestBrowser;
  let page: Page;
  let first: VirtualAuthenticator;
  let kind: string;

  beforeAll(async () => {
    kind = database().kind;
    vault = await startBrowserVault(database());
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await vault?.stop();
  });

  it('enrolls from the CLI link, signs out and in, edits the profile, swaps passkeys and recovers with a code', async () => {
    // 1. The operator creates the owner with the real CLI, against the same database.
    const cwd = createTempDir('kith-cli-');
    const cli = await runKith(['owner', 'create', '--name', 'Ada Lovelace'], {
      cwd: cwd.path,
      env: {
        KITH_DATABASE_URL: database().url,
        KITH_MASTER_KEY: vault.masterKey,
        KITH_PUBLIC_URL: vault.url,
      },
    });
    await cwd.cleanup();
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const enrollUrl = /http:\/\/localhost:\d+\/enroll\/[\w-]+/.exec(cli.stdout)?.[0];
    expect(enrollUrl).toBeDefined();

    // 2. Enrollment: the first passkey, then recovery codes.
    first = await addVirtualAuthenticator(page);
    await page.goto(enrollUrl as string);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Welcome, Ada Lovelace');
    await checkPage(page, `${kind}-enroll`);
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await page.waitForURL('**/security?welcome=1');
    expect(await first.credentials()).toHaveLength(1);
    await page.getByRole('button', { name: 'Create recovery codes' }).click();
    await page.locator('[data-kith="recovery-codes"]').waitFor();
    const codes = await page.locator('[data-kith="recovery-codes"] code').allTextContents();
    expect(codes).toHaveLength(10);
    // The codes can be saved as a file (no script needed) or copied in one click.
    const download = await page.locator('[data-kith="download-recovery-codes"]').getAttribute('href');
    const saved = decodeURIComponent(download?.replace(/^data:text\/plain;charset=utf-8,/, '') ?? '');
    expect(saved.trim().split('\n').slice(-10)).toEqual(codes);
    expect(await page.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);
    await checkPage(page, `${kind}-recovery-codes`);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await checkPage(page, `${kind}-security`);

    // The link worked once.
    await page.goto(enrollUrl as string);
    expect(await page.locator('h1').textContent()).toBe('This link does not work');

    // 3. Sign out, then in with the passkey.
    await page.goto(`${vault.url}/`);
    await checkPage(page, `${kind}-home`);
    // With the user "away", the page's autofill request waits instead of signing in at once.
    await first.setPresence(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in?signed-out=1');
    await checkPage(page, `${kind}-sign-in`);
    // Nothing was tried yet, so nothing failed: the page says no error while the browser's offer waits.
    await page.waitForTimeout(1000);
    expect(await page.locator('[data-kith-status]').first().textContent()).toBe('');
    await first.setPresence(true);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${vault.url}/`);
    expect(await page.locator('h1').textContent()).toBe('Hello, Ada Lovelace');

    // 4. The profile editor, without any script: one form per section, each saving on its own; one bad
    // value, shown inline in its section, and nothing of that section saved.
    await page.getByRole('link', { name: 'Profile', exact: true }).click();
    await checkPage(page, `${kind}-profile`);
    await page.fill('#f-given_name', values.given_name);
    await page.fill('#f-family_name', values.family_name);
    await page.getByRole('button', { name: 'Save your name' }).click();
    await page.waitForURL('**/profile?saved=identity#section-identity');
    await page.fill('#f-email', values.email);
    await page.fill('#f-phone_number', 'call me maybe');
    await page.getByRole('button', { name: 'Save contact details' }).click();
    await page.locator('.error-summary').waitFor();
    expect(await page.locator('#f-phone_number').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#f-phone_number-error').textContent()).toContain('country code');
    expect(await page.locator('.field--invalid').count()).toBe(1);
    // What was typed is still there to correct, and the saved section shows what it holds…
    expect(await page.inputValue('#f-email')).toBe(values.email);
    expect(await page.inputValue('#f-given_name')).toBe(values.given_name);
    await checkPage(page, `${kind}-profile-errors`);
    // …but none of the failed section was stored.
    expect((await profileFields(page, vault.url)).sort()).toEqual(['family_name', 'given_name']);
    await page.fill('#f-phone_number', '+44 7700 900123');
    await page.getByRole('button', { name: 'Save contact details' }).click();
    await page.waitForURL('**/profile?saved=contact_details#section-contact_details');
    await page.fill('#f-address-locality', values.locality);
    await page.selectOption('#f-address-country', 'GB');
    await page.getByRole('button', { name: 'Save postal address' }).click();
    await page.waitForURL('**/profile?saved=address#section-address');
    await page.check('#f-contact-channels-0');
    await page.getByRole('button', { name: 'Save contact terms' }).click();
    await page.waitForURL('**/profile?saved=contact#section-contact');
    expect((await profileFields(page, vault.url)).sort()).toEqual(
      ['address', 'contact.channels', 'email', 'family_name', 'given_name', 'phone_number'].sort(),
    );
    expect(await page.inputValue('#f-phone_number')).toBe('+447700900123');

    // 5. A second passkey, on another authenticator (this one already holds one for this vault).
    const [firstCredential] = await first.credentials();
    await first.remove();
    const second = await addVirtualAuthenticator(page);
    await page.goto(`${vault.url}/security`);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL('**/security?added=1');
    const passkeys = await passkeyRows(vault);
    expect(passkeys).toHaveLength(2);
    const firstId = passkeys.find((p) => p.credentialId === base64url(firstCredential?.credentialId))?.id;
    const secondId = passkeys.find((p) => p.id !== firstId)?.id as string;
    expect(firstId).toBeDefined();
    await page.fill(`#rename-${secondId}`, 'Work laptop');
    await page
      .locator(`[data-kith-passkey="${secondId}"]`)
      .getByRole('button', { name: /^Rename/ })
      .click();
    await page.waitForURL('**/security?renamed=1');
    expect(await page.locator(`[data-kith-passkey="${secondId}"] .item__title`).textContent()).toBe(
      'Work laptop',
    );

    // 6. Removing the first passkey needs a fresh proof: six minutes after sign-in, the page asks for one.
    vault.clock.advance(6 * 60_000);
    await page
      .locator(`[data-kith-passkey="${firstId}"]`)
      .getByRole('button', { name: /^Remove/ })
      .click();
    await page.getByRole('button', { name: 'Confirm with a passkey' }).waitFor();
    await checkPage(page, `${kind}-security-confirm`);
    await page.getByRole('button', { name: 'Confirm with a passkey' }).click();
    await page.waitForURL(`${vault.url}/security`);
    await page
      .locator(`[data-kith-passkey="${firstId}"]`)
      .getByRole('button', { name: /^Remove/ })
      .click();
    await page.waitForURL('**/security?removed=1');
    expect((await passkeyRows(vault)).map((p) => p.id)).toEqual([secondId]);

    // The removed passkey, still held by an authenticator, no longer opens the vault.
    const other = await browser.newPage();
    const holder = await addVirtualAuthenticator(other);
    await holder.addCredential(firstCredential as VirtualCredential);
    await other.goto(`${vault.url}/security`);
    expect(await scriptedSignIn(other)).toMatchObject({ status: 401, body: { code: 'SIGN_IN_FAILED' } });
    await other.close();

    // 7. A session on another device, then sign out here.
    const phone = await startSession(
      { db: vault.vault.db, clock: vault.clock, config: vault.config },
      {
        ownerId: passkeys[0]?.ownerId as string,
        userAgent: 'Mozilla/5.0 (Linux; Android 14) Firefox/131.0',
        authenticated: true,
      },
    );
    const phoneCookie = `${SESSION_COOKIE}=${phone.token}`;
    expect(await pageStatus(vault.url, phoneCookie)).toBe(200);
    await second.setPresence(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in?signed-out=1');

    // 8. Every passkey "lost": a recovery code gets in, once, and ends every other session.
    await page.getByText('Lost your passkeys? Use a recovery code').click();
    await page.fill('#recovery-code', (codes[3] as string).toLowerCase());
    await page.getByRole('button', { name: 'Sign in with this code' }).click();
    await page.waitForURL('**/security/passkeys/new');
    await checkPage(page, `${kind}-new-passkey`);
    expect(await pageStatus(vault.url, phoneCookie)).toBe(303);
    await second.remove();
    const third = await addVirtualAuthenticator(page);
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await page.waitForURL('**/security?added=1');
    expect(await passkeyRows(vault)).toHaveLength(2);
    expect(await page.locator('[data-kith="recovery-codes-left"]').textContent()).toBe('9 of 10 codes left.');
    expect(await page.locator('[data-kith-session]').count()).toBe(1);
    expect(await third.credentials()).toHaveLength(1);

    // The spent code does not work a second time.
    await third.setPresence(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in?signed-out=1');
    await page.getByText('Lost your passkeys? Use a recovery code').click();
    await page.fill('#recovery-code', codes[3] as string);
    await page.getByRole('button', { name: 'Sign in with this code' }).click();
    await page.getByText('Check the code and try again.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in/recovery');
    await checkPage(page, `${kind}-sign-in-failed`);

    // 9. No page ever broke its own Content-Security-Policy.
    expect(browser.cspViolations).toEqual([]);

    // 10. Nothing typed into the pages lies in the database or the logs in plaintext.
    expect(await plaintextFound(vault, Object.values(values).concat('Ada Lovelace', 'Work laptop'))).toEqual(
      [],
    );
  }, 240_000);
});
