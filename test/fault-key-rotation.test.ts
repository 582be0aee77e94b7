import { isKithClientError, type RedeemedData, verifyWebhook } from '@kith/client';
import { RECEIPT_TYPE, WEBHOOK_KEY_ID_HEADER } from '@kith/schemas';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { DeliveryWorker } from '../server/src/events/delivery.service.ts';
import { KithError } from '../server/src/http/kith-error.ts';
import {
  NEXT_KEY_MIN_PUBLISHED_MS,
  type RotatedSigningKeys,
  rotateSigningKeys,
} from '../server/src/keys/signing-key.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveDelivery, startLiveVault } from './support/live-vault.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

// Time runs fast: every tick (TICK_REAL_MS of real time) moves every clock in
// the process — the vault's, the SDK's, jose's — by TICK_MS, and the operator
// tries to rotate. Two ticks are less than the 30 s after which a vendor's
// verifier may look at the JWKS again, so without the guard a key promoted two
// ticks after a vendor's fetch would be unknown to it.
const TICK_MS = 12_000;
const TICK_REAL_MS = 120;
const TICKS = Math.ceil((3 * NEXT_KEY_MIN_PUBLISHED_MS) / TICK_MS) + 10;
const VENDORS = 3;
// What each promoted key must have carried before the next one took over.
const PER_KEY = { receipts: 3, webhooks: 3, redeems: 10 };

interface Verified {
  /** Who verified: a vendor's client id, or `sdk` for the webhook verifier they share in this process. */
  by: string;
  kid: string;
  at: number;
}

describeEachDatabase(
  'key rotation under load: vendors verify every receipt and webhook through the JWKS',
  (database) => {
    let vault: LiveVault;
    // A second handle on the same database, as `kith keys rotate` is another process.
    let operator: TestVault;
    let worker: DeliveryWorker;
    let owner: { cookie: string };
    let vendors: TestVendor[];

    beforeAll(async () => {
      // Only Date is faked: sockets, timers and the event loop run for real.
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, advanceTimeDelta: 5 });
      vault = await startLiveVault(database(), { env: { KITH_VENDOR_RATE_LIMIT_PER_MINUTE: '1000000' } });
      operator = await openTestVault(database(), { masterKey: vault.masterKey, realClock: true });
      worker = startLiveDelivery(vault, { pollIntervalMs: 10 });
      vendors = await Promise.all(
        Array.from({ length: VENDORS }, (_, i) =>
          startTestVendor({ vault: vault.url, name: `Shop ${i + 1}`, webhooks: true }),
        ),
      );
      owner = await vault.signedInOwner();
      const patched = await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { name: 'Ada Lovelace', email: 'ada@example.com' },
      });
      expect(patched.status).toBe(200);
    });
    afterAll(async () => {
      await worker?.stop();
      await Promise.all((vendors ?? []).map((v) => v.stop()));
      await operator?.close();
      await vault?.stop();
      vi.useRealTimers();
    });

    it(`rotates ${Math.floor((TICKS * TICK_MS) / NEXT_KEY_MIN_PUBLISHED_MS)} times under load, refusing every earlier attempt; no receipt, webhook or redeem fails`, async () => {
      const failures: string[] = [];
      const receipts: Verified[] = [];
      const webhooks: Verified[] = [];
      const redeems: number[] = [];
      // Every copy of the JWKS each verifier fetched, as the kids it held.
      const copies = new Map<string, string[][]>();
      const recording =
        (by: string): typeof fetch =>
        async (input, init) => {
          const response = await fetch(input, init);
          const { keys } = (await response.clone().json()) as { keys: { kid: string }[] };
          copies.set(by, [...(copies.get(by) ?? []), keys.map((k) => k.kid)]);
          return response;
        };
      const jwksUrl = new URL('/.well-known/jwks.json', vault.url);
      const gate = createGate();
      let running = true;

      async function approve(requestId: string): Promise<void> {
        const approved = await requestJson(vault.app, `/v1/me/grant-requests/${requestId}/approve`, {
          method: 'POST',
          cookie: owner.cookie,
          json: { optionalFields: [], contact: true },
        });
        if (approved.status !== 200) throw new Error(`approve answered ${approved.status}`);
      }

      async function grantOf(vendor: TestVendor) {
        const request = await gate.run(() =>
          vendor.client.requestGrant({ fields: ['email'], purpose: 'delivery', duration: '1d' }),
        );
        await approve(request.id);
        return gate.run(() => vendor.client.collectGrant({ requestId: request.id }));
      }

      // A vendor: asks, collects, checks the consent receipt with jose against
      // the JWKS (its own cache, jose's defaults), redeems, and gives the grant back.
      async function shop(vendor: TestVendor): Promise<void> {
        const jwks = createRemoteJWKSet(jwksUrl, { [customFetch]: recording(vendor.clientId) });
        while (running) {
          let step = 'collect';
          try {
            const collected = await grantOf(vendor);
            step = 'receipt';
            await jwtVerify(collected.receipt, jwks, {
              algorithms: ['EdDSA'],
              typ: RECEIPT_TYPE,
              issuer: new URL(vault.url).origin,
              audience: vendor.clientId,
            });
            receipts.push({
              by: vendor.clientId,
              kid: decodeProtectedHeader(collected.receipt).kid as string,
              at: Date.now(),
            });
            step = 'redeem';
            for (let i = 0; i < 4; i++) {
              const data = (await gate.run(() => vendor.client.redeem(collected.grant))) as RedeemedData;
              if (data.fields.email !== 'ada@example.com') throw new Error('redeemed the wrong email');
              redeems.push(Date.now());
            }
            step = 'relinquish';
            await gate.run(() => vendor.client.relinquish(collected.grant));
          } catch (error) {
            failures.push(`${vendor.clientId} ${step}: ${explain(error)}`);
          }
        }
      }

      // The vendor's webhook endpoint: every event checked by its v1a signature
      // only (no secret), with the vault's published key, as it arrives.
      async function listen(vendor: TestVendor): Promise<void> {
        let seen = 0;
        while (running || seen < vendor.webhooks.receipts.length) {
          const receipt = vendor.webhooks.receipts[seen];
          if (!receipt) {
            await realSleep(5);
            continue;
          }
          seen++;
          try {
            await verifyWebhook(
              { headers: receipt.headers, body: receipt.body },
              { vault: vault.url, fetch: recording('sdk') },
            );
            webhooks.push({
              by: 'sdk',
              kid: receipt.headers[WEBHOOK_KEY_ID_HEADER] as string,
              at: Date.now(),
            });
          } catch (error) {
            failures.push(`${vendor.clientId} webhook ${receipt.id}: ${explain(error)}`);
          }
        }
      }

      // The owner keeps changing the name every vendor holds: a profile.updated to each.
      async function editProfile(): Promise<void> {
        for (let n = 0; running; n++) {
          const res = await requestJson(vault.app, '/v1/me/profile', {
            method: 'PATCH',
            cookie: owner.cookie,
            json: { name: `Ada ${n}` },
          });
          if (res.status !== 200) failures.push(`profile patch answered ${res.status}`);
          await realSleep(100);
        }
      }

      // Each vendor holds one long-lived grant on the name, so every edit reaches it.
      for (const vendor of vendors) {
        const request = await vendor.client.requestGrant({
          fields: ['name'],
          purpose: 'delivery',
          duration: '1d',
        });
        await approve(request.id);
        await vendor.client.collectGrant({ requestId: request.id });
      }

      const load = [...vendors.map(shop), ...vendors.map(listen), editProfile()];
      const rotations: (RotatedSigningKeys & { at: number })[] = [];
      let refused = 0;
      const started = performance.now();
      try {
        for (let tick = 0; tick < TICKS; tick++) {
          await realSleep(TICK_REAL_MS);
          await gate.jump(TICK_MS);
          try {
            rotations.push({
              ...(await rotateSigningKeys({
                db: operator.vault.db,
                keys: operator.vault.keys,
                keyring: operator.vault.keyring,
                clock: operator.clock,
                config: operator.config,
              })),
              at: Date.now(),
            });
          } catch (error) {
            if (!(error instanceof KithError && error.code === 'KEY_ROTATION_TOO_SOON')) throw error;
            refused++;
          }
        }
      } finally {
        running = false;
        await Promise.all(load);
      }
      const elapsedMs = performance.now() - started;

      // Zero failures of any kind.
      expect(failures.length, failures.slice(0, 10).join('\n')).toBe(0);

      // The guard let through the rotations the minimum allows, each within a tick of being allowed.
      expect(rotations.length).toBe(Math.floor((TICKS * TICK_MS) / NEXT_KEY_MIN_PUBLISHED_MS));
      expect(rotations.length).toBeGreaterThanOrEqual(3);
      expect(refused).toBe(TICKS - rotations.length);
      rotations.forEach((rotation, k) => {
        expect(rotation.publishedForMs).toBeGreaterThanOrEqual(NEXT_KEY_MIN_PUBLISHED_MS);
        // A tick of virtual time, plus the real time a tick took.
        expect(rotation.publishedForMs).toBeLessThan(NEXT_KEY_MIN_PUBLISHED_MS + 2 * TICK_MS);
        if (k > 0)
          expect(rotation.at - (rotations[k - 1]?.at ?? 0)).toBeGreaterThanOrEqual(NEXT_KEY_MIN_PUBLISHED_MS);
      });

      // Every promoted key signed receipts and webhooks that vendors verified, and redeems kept going in
      // between: the load ran across each rotation, not around it.
      rotations.forEach((rotation, k) => {
        const until = rotations[k + 1]?.at ?? Number.POSITIVE_INFINITY;
        const during = (at: number) => at >= rotation.at && at < until;
        const carried = {
          receipts: receipts.filter((r) => r.kid === rotation.current).length,
          webhooks: webhooks.filter((w) => w.kid === rotation.current).length,
          redeems: redeems.filter(during).length,
        };
        expect(carried.receipts, `receipts signed by key ${k + 1}`).toBeGreaterThanOrEqual(PER_KEY.receipts);
        expect(carried.webhooks, `webhooks signed by key ${k + 1}`).toBeGreaterThanOrEqual(PER_KEY.webhooks);
        expect(carried.redeems, `redeems after rotation ${k + 1}`).toBeGreaterThanOrEqual(PER_KEY.redeems);
      });
      // Each verifier's first copy of the JWKS lacked the keys promoted after the first rotation; it
      // fetched again when it met them, and verified with them.
      const promotedLater = rotations.slice(1).map((r) => r.current);
      for (const [by, verified] of [
        ...vendors.map((v) => [v.clientId, receipts] as const),
        ['sdk', webhooks] as const,
      ]) {
        const first = copies.get(by)?.[0] ?? [];
        expect(first.length, `${by} fetched the JWKS`).toBeGreaterThan(0);
        for (const kid of promotedLater) {
          expect(first).not.toContain(kid);
          expect(verified.filter((v) => v.by === by && v.kid === kid).length, by).toBeGreaterThan(0);
        }
      }
      console.info(
        `[${database().kind}] ${rotations.length} rotations, ${refused} refused, ${receipts.length} receipts, ` +
          `${webhooks.length} webhooks, ${redeems.length} redeems, ` +
          `JWKS fetches ${JSON.stringify(Object.fromEntries([...copies].map(([by, c]) => [by, c.length])))}, ` +
          `${Math.round(elapsedMs)} ms`,
      );
    }, 120_000);
  },
);

function explain(error: unknown): string {
  if (isKithClientError(error)) return `${error.code} ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Lets time jump only between vendor requests: a DPoP proof or client
 * assertion made before a jump would otherwise look minutes old when it
 * arrives.
 */
function createGate() {
  let inFlight = 0;
  let paused: Promise<void> | undefined;
  let drained: (() => void) | undefined;
  return {
    async run<T>(operation: () => Promise<T>): Promise<T> {
      while (paused) await paused;
      inFlight++;
      try {
        return await operation();
      } finally {
        inFlight--;
        if (inFlight === 0) drained?.();
      }
    },
    async jump(ms: number): Promise<void> {
      let resume = () => {};
      paused = new Promise<void>((resolve) => {
        resume = resolve;
      });
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      drained = undefined;
      vi.advanceTimersByTime(ms);
      paused = undefined;
      resume();
    },
  };
}
