import { beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock, createFakeVault, VAULT } from '../test-support/fake-vault.ts';
import { createKithClient } from './create-kith-client.ts';
import { generateKeyPair, type KeyPair } from './key-pair.ts';

const clientId = 'https://shop.example/.well-known/kith-client.json';

let pair: KeyPair;
beforeAll(async () => {
  pair = await generateKeyPair();
});

async function setup() {
  const vault = await createFakeVault({ vendorPublicJwk: pair.publicJwk, clientId });
  const clock = createFakeClock();
  const kith = createKithClient({
    clientId,
    privateJwk: pair.privateJwk,
    vault: VAULT,
    fetch: vault.fetch,
    clock,
  });
  return { vault, clock, kith };
}

describe('waitForGrant', () => {
  it('polls at the interval while the owner has not answered, then returns the grant', async () => {
    const { vault, clock, kith } = await setup();
    vault.pollAnswers.push('AUTHORIZATION_PENDING', 'AUTHORIZATION_PENDING');
    const collected = await kith.waitForGrant({ requestId: 'req-1', interval: 3 });
    expect(collected.sub).toBe('pairwise-sub-1');
    expect(clock.sleeps).toEqual([3000, 3000, 3000]);
    expect(vault.requestsTo('/v1/grants/collect').map((seen) => seen.body?.request_id)).toEqual([
      'req-1',
      'req-1',
      'req-1',
    ]);
  });

  it('adds 5 seconds to the interval on every SLOW_DOWN, for good (RFC 8628 §3.5)', async () => {
    const { vault, clock, kith } = await setup();
    vault.pollAnswers.push(
      'AUTHORIZATION_PENDING',
      'SLOW_DOWN',
      'AUTHORIZATION_PENDING',
      'SLOW_DOWN',
      'AUTHORIZATION_PENDING',
    );
    await kith.waitForGrant({ requestId: 'req-1', interval: 5 });
    expect(clock.sleeps).toEqual([5000, 5000, 10_000, 10_000, 15_000, 15_000]);
  });

  it('waits 5 seconds between polls when no interval is given', async () => {
    const { vault, clock, kith } = await setup();
    vault.pollAnswers.push('AUTHORIZATION_PENDING');
    await kith.waitForGrant({ requestId: 'req-1' });
    expect(clock.sleeps).toEqual([5000, 5000]);
  });

  it('stops on the owner’s answer or the request’s expiry', async () => {
    for (const code of [
      'ACCESS_DENIED',
      'EXPIRED_TOKEN',
      'GRANT_REQUEST_NOT_FOUND',
      'INVALID_CLIENT',
    ] as const) {
      const { vault, kith } = await setup();
      vault.pollAnswers.push('AUTHORIZATION_PENDING', code);
      await expect(kith.waitForGrant({ requestId: 'req-1' })).rejects.toMatchObject({ code });
      expect(vault.requestsTo('/v1/grants/collect')).toHaveLength(2);
    }
  });

  it('gives up with TIMEOUT when the next poll would pass timeoutMs', async () => {
    const { vault, clock, kith } = await setup();
    vault.pollAnswers.push(...Array.from({ length: 100 }, () => 'AUTHORIZATION_PENDING' as const));
    await expect(
      kith.waitForGrant({ requestId: 'req-1', interval: 5, timeoutMs: 22_000 }),
    ).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    expect(clock.sleeps).toEqual([5000, 5000, 5000, 5000]);
  });

  it('stops with ABORTED when its signal aborts', async () => {
    const { vault, kith } = await setup();
    vault.pollAnswers.push(...Array.from({ length: 100 }, () => 'AUTHORIZATION_PENDING' as const));
    const controller = new AbortController();
    const waiting = kith.waitForGrant({ requestId: 'req-1', signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rides out a passing 503 between polls', async () => {
    const { vault, kith } = await setup();
    vault.pollAnswers.push('AUTHORIZATION_PENDING');
    vault.queue('/v1/grants/collect', new Response('busy', { status: 503 }));
    await expect(kith.waitForGrant({ requestId: 'req-1' })).resolves.toMatchObject({ sub: 'pairwise-sub-1' });
  });

  it('really waits on the real clock', async () => {
    const vault = await createFakeVault({ vendorPublicJwk: pair.publicJwk, clientId });
    const kith = createKithClient({
      clientId,
      privateJwk: pair.privateJwk,
      vault: VAULT,
      fetch: vault.fetch,
    });
    vault.pollAnswers.push('AUTHORIZATION_PENDING');
    const started = Date.now();
    await kith.waitForGrant({ requestId: 'req-1', interval: 0.05 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
