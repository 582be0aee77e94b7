import { serve } from '@hono/node-server';
import { createKithClient, generateKeyPair, type KithClient, systemClock } from '@kith/client';
import { Hono } from 'hono';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { freePort } from './support/postgres-cluster.ts';

describeEachDatabase('quiet hours across daylight-saving changes (SDK over HTTP)', (database) => {
  let vault: LiveVault;
  let client: KithClient;
  let stopVendor: () => Promise<void>;
  let grant: string;

  /** Moves the vault's clock, and so the vendor's (they share it: DPoP proofs carry the time). */
  const setTime = (iso: string) => vault.clock.advance(Date.parse(iso) - vault.clock.now());

  beforeAll(async () => {
    vault = await startLiveVault(database());
    setTime('2026-03-28T12:00:00Z');

    // A vendor whose SDK reads the vault's clock, served over real HTTP like the other test vendors.
    const port = await freePort();
    const clientId = `http://127.0.0.1:${port}/.well-known/kith-client.json`;
    const { privateJwk } = await generateKeyPair();
    client = createKithClient({
      clientId,
      privateJwk,
      vault: vault.url,
      retry: { retries: 0 },
      clock: { now: () => vault.clock.now(), sleep: systemClock.sleep },
    });
    const metadata = await client.metadataDocument({ clientName: 'Night Owl Pharmacy', redirectUris: [] });
    const app = new Hono().get('/.well-known/kith-client.json', (c) => c.json(metadata));
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    stopVendor = () => new Promise<void>((resolve) => server.close(() => resolve()));

    const { cookie } = await vault.signedInOwner();
    const patched = await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie,
      json: { zoneinfo: 'Europe/London', 'contact.quiet_hours': { start: '22:00', end: '07:00' } },
    });
    expect(patched.status).toBe(200);
    const request = await client.requestGrant({
      fields: ['phone_number'],
      purpose: 'customer_care',
      duration: '365d',
      contact: { channels: ['sms'], maxPerWeek: 100 },
    });
    await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
      method: 'POST',
      cookie,
      json: { optionalFields: [], contact: true },
    });
    ({ grant } = await client.collectGrant({ requestId: request.id }));
  });
  afterAll(async () => {
    await stopVendor?.();
    await vault?.stop();
  });

  // [the vault's time (UTC), what London's clock reads, quiet until (UTC) or null]
  const walk: [string, string, string | null][] = [
    // Clocks go forward on Sunday 29 March 2026 at 01:00 GMT.
    ['2026-03-28T21:59:00Z', 'Sat 21:59 GMT', null],
    ['2026-03-28T22:00:01Z', 'Sat 22:00 GMT', '2026-03-29T06:00:00.000Z'],
    ['2026-03-29T00:59:00Z', 'Sun 00:59 GMT', '2026-03-29T06:00:00.000Z'],
    ['2026-03-29T01:00:01Z', 'Sun 02:00 BST', '2026-03-29T06:00:00.000Z'],
    ['2026-03-29T05:59:00Z', 'Sun 06:59 BST', '2026-03-29T06:00:00.000Z'],
    ['2026-03-29T06:00:01Z', 'Sun 07:00 BST', null],
    ['2026-03-29T20:59:00Z', 'Sun 21:59 BST', null],
    ['2026-03-29T21:00:01Z', 'Sun 22:00 BST', '2026-03-30T06:00:00.000Z'],
    // Clocks go back on Sunday 25 October 2026 at 01:00 GMT (02:00 BST).
    ['2026-10-24T20:59:00Z', 'Sat 21:59 BST', null],
    ['2026-10-24T21:00:01Z', 'Sat 22:00 BST', '2026-10-25T07:00:00.000Z'],
    ['2026-10-25T00:30:00Z', 'Sun 01:30 BST', '2026-10-25T07:00:00.000Z'],
    ['2026-10-25T01:30:00Z', 'Sun 01:30 GMT', '2026-10-25T07:00:00.000Z'],
    ['2026-10-25T06:59:00Z', 'Sun 06:59 GMT', '2026-10-25T07:00:00.000Z'],
    ['2026-10-25T07:00:01Z', 'Sun 07:00 GMT', null],
    ['2026-10-25T21:59:00Z', 'Sun 21:59 GMT', null],
    ['2026-10-25T22:00:01Z', 'Sun 22:00 GMT', '2026-10-26T07:00:00.000Z'],
  ];

  it('keeps 22:00–07:00 on London’s clock on both sides of each change, and says when quiet hours end', async () => {
    for (const [instant, london, until] of walk) {
      setTime(instant);
      const decision = await client.canContact(grant, { channel: 'sms', purpose: 'service' });
      expect(decision, `${instant} (${london})`).toMatchObject(
        until
          ? { allowed: false, reason: 'quiet_hours', nextAllowedAt: until }
          : { allowed: true, reason: 'allowed', nextAllowedAt: null },
      );
    }
  });

  it('records nothing in quiet hours, and records once they end', async () => {
    setTime('2026-03-29T05:30:00Z');
    expect(await client.recordContact(grant, { channel: 'sms', purpose: 'service' })).toMatchObject({
      recorded: false,
      reason: 'quiet_hours',
      nextAllowedAt: '2026-03-29T06:00:00.000Z',
    });
    setTime('2026-03-29T06:00:01Z');
    expect(await client.recordContact(grant, { channel: 'sms', purpose: 'service' })).toMatchObject({
      recorded: true,
      reason: 'allowed',
    });
  });
});
