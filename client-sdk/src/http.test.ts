import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFakeClock, createFakeVault, problem, VAULT } from '../test-support/fake-vault.ts';
import { createKithClient, type KithClientOptions } from './create-kith-client.ts';
import { clientError, clientErrorCodes, KithClientError } from './errors.ts';
import { backoffDelay, errorFromResponse, parseRetryAfter, resolveRetryOptions } from './http.ts';
import { generateKeyPair, type KeyPair } from './key-pair.ts';

const clientId = 'https://shop.example/.well-known/kith-client.json';

async function setup(overrides: Partial<KithClientOptions> = {}) {
  const vault = await createFakeVault({ vendorPublicJwk: pair.publicJwk, clientId });
  const clock = createFakeClock();
  const kith = createKithClient({
    clientId,
    privateJwk: pair.privateJwk,
    vault: VAULT,
    fetch: vault.fetch,
    clock,
    retry: { random: () => 0.5 },
    ...overrides,
  });
  return { vault, clock, kith };
}

const request = { fields: ['name', 'email'] as const, purpose: 'delivery' as const, duration: '30d' };

let pair: KeyPair;
beforeAll(async () => {
  pair = await generateKeyPair();
});

describe('retries', () => {
  it('retries a 503 with backoff and a fresh client assertion each time', async () => {
    const { vault, clock, kith } = await setup();
    vault.queue('/v1/grant-requests', problem('SERVICE_UNAVAILABLE'), problem('INTERNAL_ERROR'));
    const created = await kith.requestGrant({ ...request, fields: [...request.fields] });
    expect(created.userCode).toBe('KITH-7Q2F');
    const attempts = vault.requestsTo('/v1/grant-requests');
    expect(attempts).toHaveLength(3);
    const jtis = attempts.map((attempt) => decodeJwt(String(attempt.body?.client_assertion)).jti);
    expect(new Set(jtis).size).toBe(3);
    // Full jitter with random() = 0.5: half of 250 ms, then half of 500 ms.
    expect(clock.sleeps).toEqual([125, 250]);
  });

  it('retries a 429 after exactly its Retry-After', async () => {
    const { vault, clock, kith } = await setup();
    vault.queue('/v1/grant-requests', problem('RATE_LIMITED', { headers: { 'retry-after': '7' } }));
    await kith.requestGrant({ ...request, fields: [...request.fields] });
    expect(clock.sleeps).toEqual([7000]);
  });

  it('gives up at once when Retry-After is longer than it will wait', async () => {
    const { vault, clock, kith } = await setup();
    vault.queue('/v1/grant-requests', problem('RATE_LIMITED', { headers: { 'retry-after': '3600' } }));
    await expect(kith.requestGrant({ ...request, fields: [...request.fields] })).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      retryAfterMs: 3_600_000,
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('retries network errors and a fresh DPoP proof goes with each attempt', async () => {
    const { vault, kith } = await setup();
    const { grant } = await kith.collectGrant({ requestId: 'req-1' });
    vault.queue('/v1/data', new TypeError('fetch failed'), new TypeError('fetch failed'));
    const data = await kith.redeem(grant);
    expect(data).toMatchObject({ sub: 'pairwise-sub-1', version: 1 });
    const proofs = vault
      .requestsTo('/v1/data')
      .map((seen) => decodeJwt(seen.headers.get('dpop') as string).jti);
    expect(proofs).toHaveLength(3);
    expect(new Set(proofs).size).toBe(3);
  });

  it('stops after the configured number of retries and reports the last failure', async () => {
    const { vault, clock, kith } = await setup();
    vault.queue('/v1/grant-requests', ...Array.from({ length: 5 }, () => problem('SERVICE_UNAVAILABLE')));
    await expect(kith.requestGrant({ ...request, fields: [...request.fields] })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
    });
    expect(vault.requestsTo('/v1/grant-requests')).toHaveLength(4);
    expect(clock.sleeps).toEqual([125, 250, 500]);
  });

  it('does not retry at all with retries: 0', async () => {
    const { vault, kith } = await setup({ retry: { retries: 0 } });
    vault.queue('/v1/grant-requests', new TypeError('fetch failed'));
    await expect(kith.requestGrant({ ...request, fields: [...request.fields] })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
    });
    expect(vault.requestsTo('/v1/grant-requests')).toHaveLength(1);
  });

  it('never retries a 4xx other than 429', async () => {
    for (const code of [
      'VALIDATION_FAILED',
      'INVALID_CLIENT',
      'ACCESS_DENIED',
      'NOT_FOUND',
      'BODY_TOO_LARGE',
    ] as const) {
      const { vault, clock, kith } = await setup();
      vault.queue('/v1/grant-requests', problem(code), problem(code));
      await expect(kith.requestGrant({ ...request, fields: [...request.fields] })).rejects.toMatchObject({
        code,
      });
      expect(vault.requestsTo('/v1/grant-requests')).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    }
  });

  it('grows the backoff exponentially up to its cap', () => {
    const retry = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999_999 });
    expect([0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, retry))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
  });

  it('refuses a nonsensical retry count', () => {
    for (const retries of [-1, 1.5, Number.NaN]) {
      expect(() => resolveRetryOptions({ retries })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });

  it('times out a request the vault never answers', async () => {
    const hanging = ((_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    const kith = createKithClient({
      clientId,
      privateJwk: pair.privateJwk,
      fetch: hanging,
      timeoutMs: 20,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    await expect(kith.discover(VAULT)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('errorFromResponse', () => {
  const now = Date.UTC(2030, 0, 1);

  it('keeps the problem document’s code, status, detail, errors and requestId', async () => {
    const response = new Response(
      JSON.stringify({
        type: 'urn:kith:problem:validation-failed',
        title: 'The request did not pass validation.',
        status: 400,
        code: 'VALIDATION_FAILED',
        detail: 'One field is wrong.',
        errors: [{ path: '/duration', code: 'too_small', message: 'At least 60.' }],
        requestId: 'req-abc',
        extension: 'ignored',
      }),
      { status: 400, headers: { 'content-type': 'application/problem+json' } },
    );
    const error = await errorFromResponse(response, now);
    expect(error).toBeInstanceOf(KithClientError);
    expect(error).toMatchObject({
      name: 'KithClientError',
      code: 'VALIDATION_FAILED',
      status: 400,
      detail: 'One field is wrong.',
      errors: [{ path: '/duration', code: 'too_small', message: 'At least 60.' }],
      requestId: 'req-abc',
    });
  });

  it('says the title and the detail once each in the message', async () => {
    const title = 'The vendor could not be authenticated.';
    for (const [detail, message] of [
      [undefined, title],
      ['', title],
      [title, title],
      [` ${title} `, title],
      ['authenticated.', title],
      [`${title} Its metadata lists no key "k2".`, `${title} Its metadata lists no key "k2".`],
      ['Its metadata lists no key "k2".', `${title} Its metadata lists no key "k2".`],
    ] as const) {
      const response = new Response(
        JSON.stringify({
          type: 'urn:kith:problem:invalid-client',
          title,
          status: 401,
          code: 'INVALID_CLIENT',
          detail,
        }),
        { status: 401, headers: { 'content-type': 'application/problem+json' } },
      );
      const error = await errorFromResponse(response, now);
      expect(error.message, String(detail)).toBe(message);
    }
    expect(clientError('TIMEOUT', { detail: clientErrorCodes.TIMEOUT }).message).toBe(
      clientErrorCodes.TIMEOUT,
    );
    expect(clientError('TIMEOUT', { detail: 'No answer in 5 ms.' }).message).toBe(
      `${clientErrorCodes.TIMEOUT} No answer in 5 ms.`,
    );
  });

  it('maps every code the vault can send', async () => {
    for (const code of [
      'GRANT_REVOKED',
      'GRANT_EXPIRED',
      'INVALID_DPOP_PROOF',
      'ACCESS_DENIED',
      'EXPIRED_TOKEN',
    ] as const) {
      const error = await errorFromResponse(problem(code), now);
      expect(error.code).toBe(code);
    }
  });

  it('gives answers that are not problem documents a code by status', async () => {
    for (const [status, body, code] of [
      [502, '<html>Bad gateway</html>', 'SERVICE_UNAVAILABLE'],
      [503, '', 'SERVICE_UNAVAILABLE'],
      [504, 'null', 'SERVICE_UNAVAILABLE'],
      [429, 'slow down', 'RATE_LIMITED'],
      [500, '{"code":"SOMETHING_NEW"}', 'INVALID_RESPONSE'],
      [418, '{}', 'INVALID_RESPONSE'],
    ] as const) {
      const error = await errorFromResponse(
        new Response(body, { status, headers: { 'x-request-id': 'r-1' } }),
        now,
      );
      expect(error, `${status} ${body}`).toMatchObject({ code, status, requestId: 'r-1' });
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now - 30_000).toUTCString(), now)).toBe(0);
    for (const bad of [null, '', 'soon', '-5', '1.5']) expect(parseRetryAfter(bad, now)).toBeUndefined();
  });

  it('calls a successful answer in an unknown shape INVALID_RESPONSE', async () => {
    const { vault, kith } = await setup();
    vault.queue('/v1/grant-requests', Response.json({ id: 'x' }, { status: 201 }));
    await expect(kith.requestGrant({ ...request, fields: [...request.fields] })).rejects.toMatchObject({
      code: 'INVALID_RESPONSE',
    });
    vault.queue('/v1/grant-requests', new Response('not json', { status: 201 }));
    await expect(kith.requestGrant({ ...request, fields: [...request.fields] })).rejects.toMatchObject({
      code: 'INVALID_RESPONSE',
    });
  });
});
