/**
 * The setup the owner journeys in test/browser/ share: a vault served for the
 * browser, the vendors the owner will meet, webhook delivery when asked for,
 * Chromium with a virtual authenticator, and the owner enrolled and signed in
 * on its page. Each journey then says only what is particular to it.
 */
import type { Page } from 'playwright-core';
import type { DeliveryWorker } from '../../server/src/events/delivery.service.ts';
import {
  enrollOwnerInBrowser,
  grace,
  launchBrowser,
  type TestBrowser,
  type VirtualAuthenticator,
} from './browser.ts';
import type { DatabaseKind, TestDatabase } from './databases.ts';
import { type LiveVault, startLiveDelivery, startLiveVault } from './live-vault.ts';

/** What a journey starts for the owner to meet: a test vendor, the example shop. */
export interface JourneyVendor {
  stop(): Promise<void>;
}

export interface BrowserJourneyOptions<Vendors extends Record<string, JourneyVendor>> {
  /** As `startLiveVault` takes them: real time unless `realClock: false`. */
  vault?: Parameters<typeof startLiveVault>[1];
  /** Each vendor under the name the test calls it, started in this order once the vault listens. */
  vendors?: { [Name in keyof Vendors]: (vault: LiveVault) => Promise<Vendors[Name]> };
  /** Deliver webhooks from the start (polling every 20 ms). */
  delivery?: boolean;
  /** Who enrolls, and the profile stored for them: Grace Hopper and hers unless told. */
  owner?: { name: string; profile?: Record<string, unknown> };
}

export interface BrowserJourney<Vendors = Record<never, never>> {
  kind: DatabaseKind;
  vault: LiveVault;
  vendors: Vendors;
  /** Webhook delivery: stop it to hold events back, start it to let them go. */
  delivery: { start(): void; stop(): Promise<void> };
  browser: TestBrowser;
  /** The page the owner enrolled on, signed in. */
  page: Page;
  /** The virtual authenticator holding the owner's passkey. */
  authenticator: VirtualAuthenticator;
  /** Stops what the journey started: delivery, the browser, the vendors, then the vault. */
  close(): Promise<void>;
}

/**
 * Starts an owner journey on `database`. If a step fails, what was already
 * started is stopped before the error goes on.
 *
 * @example
 * const journey = await startBrowserJourney(database(), {
 *   vendors: { shop: (vault) => startTestVendor({ vault: vault.url, name: 'Corner Shop' }) },
 * });
 * await journey.page.goto(`${journey.vault.url}/vendors`);
 * await journey.close();
 */
export async function startBrowserJourney<
  Vendors extends Record<string, JourneyVendor> = Record<never, never>,
>(database: TestDatabase, options: BrowserJourneyOptions<Vendors> = {}): Promise<BrowserJourney<Vendors>> {
  let vault: LiveVault | undefined;
  let worker: DeliveryWorker | undefined;
  let browser: TestBrowser | undefined;
  const started: JourneyVendor[] = [];
  const stopDelivery = async () => {
    const running = worker;
    worker = undefined;
    await running?.stop();
  };
  const close = async () => {
    await stopDelivery();
    await browser?.close();
    for (const vendor of started) await vendor.stop();
    await vault?.stop();
  };
  try {
    const served = await startLiveVault(database, options.vault);
    vault = served;
    const delivery = {
      start() {
        worker ??= startLiveDelivery(served, { pollIntervalMs: 20 });
      },
      stop: stopDelivery,
    };
    if (options.delivery) delivery.start();
    const vendors: Record<string, JourneyVendor> = {};
    const starters = (options.vendors ?? {}) as Record<string, (vault: LiveVault) => Promise<JourneyVendor>>;
    for (const [name, start] of Object.entries(starters)) {
      const vendor = await start(served);
      started.push(vendor);
      vendors[name] = vendor;
    }
    browser = await launchBrowser();
    const page = await browser.newPage();
    const authenticator = await enrollOwnerInBrowser(
      page,
      served,
      options.owner ?? { name: grace.name, profile: grace },
    );
    return {
      kind: database.kind,
      vault: served,
      vendors: vendors as Vendors,
      delivery,
      browser,
      page,
      authenticator,
      close,
    };
  } catch (error) {
    // Half a journey left running would keep its servers and Chromium alive past the suite.
    await close();
    throw error;
  }
}
