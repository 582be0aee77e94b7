/**
 * A real headless Chromium for the owner web UI tests, with a CDP virtual
 * authenticator so passkey ceremonies run for real against the server.
 *
 *   describeWithBrowser('sign-in', (database) => {
 *     it('signs in', async () => {
 *       const vault = await startBrowserVault(database());
 *       const browser = await launchBrowser();
 *       const page = await browser.newPage();
 *       const authenticator = await addVirtualAuthenticator(page);
 *       …
 *     });
 *   });
 *
 * Chromium comes from Debian (`apt-get install chromium`). Without it the
 * suites are skipped with one loud line, except under `CI=true`, where a
 * missing browser fails the run.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createLogger } from '@kith/server';
import { type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { describe, expect } from 'vitest';
import { createOwnerWithEnrollment } from '../../server/src/owners/enrollment.service.ts';
import { repoRoot } from './cli.ts';
import { describeEachDatabase, type TestDatabase } from './databases.ts';
import { type LiveVault, startLiveVault } from './live-vault.ts';
import { createTempDir } from './temp-dir.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where screenshots go; CI keeps the folder as an artifact. */
export const SCREENSHOT_DIR = join(repoRoot, 'test-results', 'screenshots');

// TOOLCHAIN.md: these flags run Chromium headless as root in a container; --user-data-dir is refused
// by launchPersistentContext, which takes the folder itself.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let warnedMissing = false;

/**
 * Declares a browser suite on both databases (`describeEachDatabase`), or
 * skips it loudly when Chromium is missing (fails instead under `CI=true`).
 */
export function describeWithBrowser(title: string, fn: (database: () => TestDatabase) => void): void {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.CI === 'true') {
      throw new Error(
        `${title}: ${CHROMIUM_PATH} is missing and CI=true, so browser suites must run (apt-get install chromium)`,
      );
    }
    if (!warnedMissing) {
      warnedMissing = true;
      console.warn(
        `*** ${CHROMIUM_PATH} not found: browser suites are SKIPPED (apt-get install -y chromium). ***`,
      );
    }
    describe.skip(title, () => fn(() => ({ kind: 'sqlite', url: '' })));
    return;
  }
  describeEachDatabase(title, fn);
}

/** A vault served over real HTTP on 127.0.0.1 whose public URL is `http://localhost:PORT` (rpID `localhost`). */
export type BrowserVault = LiveVault;

/**
 * Opens a vault on `database` and serves it for a browser. The clock is the
 * test vault's frozen clock, so tests can move time (challenge expiry, idle
 * sessions); WebAuthn assertions carry no time, so the browser does not mind.
 */
export function startBrowserVault(
  database: TestDatabase,
  options: { env?: Record<string, string>; masterKey?: string } = {},
): Promise<BrowserVault> {
  return startLiveVault(database, { ...options, realClock: false });
}

/** A browser with its own fresh profile; `close()` removes it. */
export interface TestBrowser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  /** Content-Security-Policy violations any page reported so far. */
  cspViolations: string[];
  close(): Promise<void>;
}

/** Launches headless Chromium in a fresh profile folder; `javaScriptEnabled: false` turns scripts off. */
export async function launchBrowser(options: { javaScriptEnabled?: boolean } = {}): Promise<TestBrowser> {
  const profile = createTempDir('kith-chromium-');
  const context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  const cspViolations: string[] = [];
  const watch = (page: Page) =>
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    cspViolations,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await profile.cleanup();
    },
  };
}

/** A CDP virtual authenticator: a platform authenticator with resident keys and user verification. */
export interface VirtualAuthenticator {
  id: string;
  cdp: CDPSession;
  /** The credentials it holds, private keys included (to move them to another authenticator). */
  credentials(): Promise<VirtualCredential[]>;
  addCredential(credential: VirtualCredential): Promise<void>;
  removeCredential(credentialId: string): Promise<void>;
  /**
   * Turns the simulated user's presence on or off. Off, ceremonies wait: the
   * sign-in page's autofill request then stays pending instead of signing in
   * on load, as it does when the authenticator answers at once.
   */
  setPresence(present: boolean): Promise<void>;
  remove(): Promise<void>;
}

export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/**
 * Adds a virtual authenticator to a page (TOOLCHAIN.md: ctap2, internal,
 * resident keys, user verified). Ceremonies on the page then succeed without
 * any prompt.
 */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    id: authenticatorId,
    cdp,
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials as VirtualCredential[];
    },
    async addCredential(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
    async removeCredential(credentialId) {
      await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId });
    },
    async setPresence(enabled) {
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}

/**
 * Enrolls a new owner in the browser with a passkey on a fresh virtual
 * authenticator (signed in afterwards), then stores `profile` through the
 * owner API with the page's cookies.
 */
export async function enrollOwnerInBrowser(
  page: Page,
  vault: BrowserVault,
  options: { name: string; profile?: Record<string, unknown> },
): Promise<VirtualAuthenticator> {
  const authenticator = await addVirtualAuthenticator(page);
  const { db, keys } = vault.vault;
  const { enrollment } = await createOwnerWithEnrollment(
    { db, keys, clock: vault.clock, config: vault.config, logger: createLogger('silent') },
    { name: options.name },
  );
  await page.goto(enrollment.url);
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  await page.waitForURL('**/security?welcome=1');
  if (options.profile) {
    // Outside the page, so it says where it comes from as a script would: the vault's own origin.
    const res = await page.request.patch(`${vault.url}/v1/me/profile`, {
      data: options.profile,
      headers: { origin: new URL(vault.url).origin },
    });
    expect(res.status()).toBe(200);
  }
  return authenticator;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One accessibility finding, as axe reports it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core inside the page (WCAG 2.0–2.2 A/AA rules and best practices)
 * and returns the serious and critical violations. axe is evaluated through
 * CDP rather than as a `<script>`: the page's CSP would rightly refuse an
 * inline one.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: unknown,
          ): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Checks a page the way every page is checked: no serious or critical axe
 * violation, and screenshots at a phone's width (390 px) and a laptop's
 * (1280 px) saved under `test-results/screenshots/`.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  expect(await seriousAccessibilityViolations(page), `accessibility of ${name}`).toEqual([]);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? { width: 1280, height: 900 };
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(original);
}

/** The owner in these journeys, as her profile holds her. */
export const grace = {
  name: 'Grace Hopper',
  email: 'grace@example.com',
  phone_number: '+15555550100',
  address: { street_address: '1 Navy Yard', locality: 'Arlington', region: 'VA', country: 'US' },
};
