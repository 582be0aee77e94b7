import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { RedeemedData } from '@kith/client';
import { Hono } from 'hono';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithBrowser,
  enrollOwnerInBrowser,
  launchBrowser,
  type TestBrowser,
} from '../support/browser.ts';
import { codeOf } from '../support/client-errors.ts';
import type { TestDatabase } from '../support/databases.ts';
import { requestJson } from '../support/http.ts';
import type { LiveVault } from '../support/live-vault.ts';
import { freePort } from '../support/postgres-cluster.ts';
import { openTestVault } from '../support/test-vault.ts';
import { startTestVendor, type TestVendor } from '../support/vendor.ts';

const BROWSER_TEST_MS = 120_000;

/**
 * The attack of issue 11 in real Chromium: the owner is signed in to the vault at
 * `http://localhost:P`; a page on `http://localhost:Q` (same site, since ports do not
 * make a site, but another origin) runs a credentialed `no-cors` POST with no body.
 * SameSite=Lax sends the session cookie along and no preflight stops it.
 */
describeWithBrowser('a same-site page cannot act as the signed-in owner', (database) => {
  let vault: LiveVault & {
    answers: Map<string, { status: number; body: string; sent: Record<string, string> }>;
  };
  let shop: TestVendor;
  let browser: TestBrowser;
  let attacker: { url: string; server: Server };
  let ownerCookie: string;

  beforeAll(async () => {
    vault = await startTappedVault(database());
    shop = await startTestVendor({ vault: vault.url, name: 'Corner Shop' });
    browser = await launchBrowser();
    const page = await browser.newPage();
    await enrollOwnerInBrowser(page, vault, {
      name: 'Grace Hopper',
      profile: { email: 'grace@example.com' },
    });
    await page.close();
    const session = (await browser.context.cookies(vault.url)).find((c) => c.name === '__Host-kith_session');
    if (!session) throw new Error('the browser should hold a session after enrolling');
    ownerCookie = `${session.name}=${session.value}`;
    // The attacker's page: any page on the same host, another port.
    const port = await freePort();
    const app = new Hono();
    app.get('/', (c) => c.html('<!doctype html><title>Win a prize</title><h1>Win a prize</h1>'));
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }) as Server;
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    attacker = { url: `http://localhost:${port}`, server };
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    attacker?.server.closeAllConnections();
    await new Promise<void>((resolve) => (attacker ? attacker.server.close(() => resolve()) : resolve()));
    await shop?.stop();
    await vault?.stop();
  });

  /** Runs the forged request from the attacker's page and returns what the vault answered. */
  async function forge(path: string) {
    const page: Page = await browser.newPage();
    try {
      await page.goto(attacker.url);
      const target = `${vault.url}${path}`;
      const answered = page.waitForResponse((res) => res.url() === target);
      await page.evaluate(
        (url) =>
          fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include' }).then(() => undefined),
        target,
      );
      const response = await answered;
      // The body is opaque to the page and blocked by the browser (ORB): the vault's tap kept it,
      // with the headers the browser really sent.
      const answer = vault.answers.get(path);
      expect(answer?.status).toBe(response.status());
      return {
        status: response.status(),
        body: JSON.parse(answer?.body ?? '{}') as { code?: string },
        sent: answer?.sent ?? {},
      };
    } finally {
      await page.close();
    }
  }

  const pendingRequest = async () =>
    (await shop.client.requestGrant({ fields: ['email'], purpose: 'delivery', duration: '730d' })).id;

  it(
    'refuses the forged approval with CSRF_FAILED, though the cookie rode along, and the vendor gets nothing',
    async () => {
      const id = await pendingRequest();
      const forged = await forge(`/v1/me/grant-requests/${id}/approve`);
      // The scenario is real: same-site, the session cookie sent, no body and no content type.
      expect(forged.sent['sec-fetch-site']).toBe('same-site');
      expect(forged.sent.cookie).toContain('__Host-kith_session=');
      expect(forged.sent['content-type']).toBeUndefined();
      expect(forged.status).toBe(403);
      expect(forged.body.code).toBe('CSRF_FAILED');
      const pending = await requestJson(vault.app, `/v1/me/grant-requests/${id}`, { cookie: ownerCookie });
      expect(pending.status).toBe(200);
      expect(await codeOf(shop.client.collectGrant({ requestId: id }))).toBe('AUTHORIZATION_PENDING');
    },
    BROWSER_TEST_MS,
  );

  it(
    'refuses the forged decline and revoke the same way, and changes nothing',
    async () => {
      const declineId = await pendingRequest();
      const grantRequest = await pendingRequest();
      const approved = await requestJson<{ grantId: string }>(
        vault.app,
        `/v1/me/grant-requests/${grantRequest}/approve`,
        { method: 'POST', cookie: ownerCookie, json: { optionalFields: [], contact: true } },
      );
      expect(approved.status).toBe(200);
      for (const path of [
        `/v1/me/grant-requests/${declineId}/decline`,
        `/v1/me/grants/${approved.body.grantId}/revoke`,
      ]) {
        const forged = await forge(path);
        expect(forged.status, path).toBe(403);
        expect(forged.body.code, path).toBe('CSRF_FAILED');
      }
      expect(
        (await requestJson(vault.app, `/v1/me/grant-requests/${declineId}`, { cookie: ownerCookie })).status,
      ).toBe(200);
      const grant = await shop.client.collectGrant({ requestId: grantRequest });
      const data = (await shop.client.redeem(grant.grant)) as RedeemedData;
      expect(data.fields).toHaveProperty('email', 'grace@example.com');
    },
    BROWSER_TEST_MS,
  );
});

/**
 * A live vault (as `startLiveVault` serves one) whose server keeps the answer to
 * every owner write by path: the test must see the code the vault sent, which
 * the attacker's page cannot.
 */
async function startTappedVault(database: TestDatabase) {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const tv = await openTestVault(database, {
    realClock: true,
    env: { KITH_PUBLIC_URL: url, KITH_DEV_ALLOW_LOCAL_VENDORS: 'true' },
  });
  const answers = new Map<string, { status: number; body: string; sent: Record<string, string> }>();
  const server = serve({
    port,
    hostname: '127.0.0.1',
    async fetch(request) {
      const response = await tv.app.fetch(request);
      const { pathname } = new URL(request.url);
      if (request.method === 'POST' && pathname.startsWith('/v1/me/')) {
        answers.set(pathname, {
          status: response.status,
          body: await response.clone().text(),
          sent: Object.fromEntries(request.headers),
        });
      }
      return response;
    },
  }) as Server;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    ...tv,
    url,
    answers,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tv.close();
    },
  };
}
