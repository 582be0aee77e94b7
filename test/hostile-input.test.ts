import { isErrorCode } from '@kith/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type OwnedTestDatabase } from './support/databases.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { inPool, type RawResponse, rawRequest } from './support/load.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

// HTTP parsing and body handling come before any storage: one database is enough.
const LIMIT = 100 * 1024;

function chunked(total: number, chunkSize = 16 * 1024): Buffer[] {
  const chunks: Buffer[] = [];
  for (let sent = 0; sent < total; sent += chunkSize) {
    const size = Math.min(chunkSize, total - sent);
    chunks.push(Buffer.from(`${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`));
  }
  chunks.push(Buffer.from('0\r\n\r\n'));
  return chunks;
}

function expectProblem(res: RawResponse, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  const body = JSON.parse(res.body) as { code: string; status: number };
  expect(body).toMatchObject({ code, status });
  expect(isErrorCode(body.code)).toBe(true);
}

function head(port: number, lines: string[]): string {
  return [...lines.slice(0, 1), `host: 127.0.0.1:${port}`, ...lines.slice(1), '', ''].join('\r\n');
}

describe('hostile input over real HTTP', () => {
  let database: OwnedTestDatabase;
  let vault: LiveVault;
  let port: number;
  let cookie: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    vault = await startLiveVault(database);
    port = Number(new URL(vault.url).port);
    ({ cookie } = await vault.signedInOwner());
  });
  afterAll(async () => {
    await vault?.stop();
    await database?.drop();
  });

  const post = (path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) =>
    fetch(`${vault.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('answers a 1 MB body with BODY_TOO_LARGE and closes that connection, so the next request is unharmed', async () => {
    const raw = await rawRequest(
      port,
      head(port, [
        'POST /v1/grant-requests HTTP/1.1',
        'content-type: application/json',
        'content-length: 1048576',
      ]),
      [Buffer.alloc(1024 * 1024, ' ')],
    );
    expectProblem(raw, 413, 'BODY_TOO_LARGE');
    expect(raw.headers.connection).toBe('close');
    // fetch reuses its connections: each refusal must not poison the request after it.
    const big = JSON.stringify({ state: 'x'.repeat(1024 * 1024) });
    for (const [method, path, extra] of [
      ['POST', '/v1/grant-requests', {}],
      ['PATCH', '/v1/me/profile', { cookie, 'sec-fetch-site': 'same-origin' }],
      ['POST', '/v1/grants/collect', {}],
    ] as const) {
      const res = await fetch(`${vault.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...extra },
        body: big,
      });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
      expect((await fetch(`${vault.url}/v1/me/profile`, { headers: { cookie } })).status).toBe(200);
    }
  });

  it('answers a chunked body (no length) over the limit with BODY_TOO_LARGE before it is all sent', async () => {
    const res = await rawRequest(
      port,
      head(port, [
        'POST /v1/grant-requests HTTP/1.1',
        'content-type: application/json',
        'transfer-encoding: chunked',
      ]),
      chunked(8 * 1024 * 1024),
      { timeoutMs: 10_000 },
    );
    expectProblem(res, 413, 'BODY_TOO_LARGE');
    expect(res.ms).toBeLessThan(5_000);
  });

  it('does not leave a connection hanging when a chunked body stops half-way over the limit', async () => {
    // The client sends more than the limit and then goes quiet without the last chunk.
    const res = await rawRequest(
      port,
      head(port, [
        'PATCH /v1/me/profile HTTP/1.1',
        `cookie: ${cookie}`,
        'sec-fetch-site: same-origin',
        'content-type: application/json',
        'transfer-encoding: chunked',
      ]),
      chunked(LIMIT * 2).slice(0, -1),
      { timeoutMs: 10_000 },
    );
    expectProblem(res, 413, 'BODY_TOO_LARGE');
    expect(res.ms).toBeLessThan(5_000);
  });

  it('accepts a chunked body under the limit like any other', async () => {
    const json = Buffer.from(JSON.stringify({ email: 'chunked@example.com' }));
    const res = await rawRequest(
      port,
      head(port, [
        'PATCH /v1/me/profile HTTP/1.1',
        `cookie: ${cookie}`,
        'sec-fetch-site: same-origin',
        'content-type: application/json',
        'transfer-encoding: chunked',
        'connection: close',
      ]),
      [Buffer.from(`${json.length.toString(16)}\r\n`), json, Buffer.from('\r\n0\r\n\r\n')],
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ fields: { email: { value: 'chunked@example.com' } } });
  });

  it('answers 100,000 levels of nesting with a coded problem and keeps serving', async () => {
    // Under the default limit this is BODY_TOO_LARGE before it is parsed…
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const res = await post('/v1/grant-requests', deep);
    expect(res.status).toBe(413);
    // …and as much nesting as fits under the limit is refused by validation, not by a crash.
    const fits = (LIMIT - 64) >> 1;
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
    ] as const) {
      const body = `{"fields":${open.repeat(fits / open.length)}${close.repeat(fits / open.length)}}`;
      const nested = await post('/v1/grant-requests', body.slice(0, LIMIT));
      expect([400, 413]).toContain(nested.status);
      expect(nested.headers.get('content-type')).toBe('application/problem+json');
      expect(isErrorCode(((await nested.json()) as { code: string }).code)).toBe(true);
    }
    expect((await fetch(`${vault.url}/healthz`)).status).toBe(200);
  });

  it('answers wrong content types with UNSUPPORTED_MEDIA_TYPE', async () => {
    const json = JSON.stringify({ email: 'typed@example.com' });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/jsonx',
      'json',
      '',
    ]) {
      const res = await fetch(`${vault.url}/v1/me/profile`, {
        method: 'PATCH',
        headers: { 'content-type': type, cookie, 'sec-fetch-site': 'same-origin' },
        body: json,
      });
      expect(res.status, type).toBe(415);
      expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    const profile = (await (await fetch(`${vault.url}/v1/me/profile`, { headers: { cookie } })).json()) as {
      fields: Record<string, unknown>;
    };
    expect(profile.fields).not.toHaveProperty('email.value', 'typed@example.com');
  });

  it('answers header floods with 431 from the HTTP parser, and keeps serving', async () => {
    const many = Array.from({ length: 3_000 }, (_, i) => `x-flood-${i}: ${'v'.repeat(8)}`);
    const flood = await rawRequest(port, head(port, ['GET /healthz HTTP/1.1', ...many]));
    expect(flood.status).toBe(431);
    const huge = await rawRequest(
      port,
      head(port, ['GET /healthz HTTP/1.1', `x-huge: ${'h'.repeat(64 * 1024)}`]),
    );
    expect(huge.status).toBe(431);
    const cookieBomb = await rawRequest(
      port,
      head(port, ['GET /v1/me/profile HTTP/1.1', `cookie: ${'a=b; '.repeat(10_000)}`]),
    );
    expect(cookieBomb.status).toBe(431);
    expect((await fetch(`${vault.url}/healthz`)).status).toBe(200);
  });

  it('keeps memory bounded through a burst of oversized requests', async () => {
    const megabyte = new Uint8Array(1024 * 1024).fill(0x78);
    const burst = () =>
      inPool(Array.from({ length: 60 }), 6, async (_, i) =>
        i % 2 === 0
          ? (await post('/v1/grant-requests', megabyte)).status
          : (
              await rawRequest(
                port,
                head(port, [
                  'POST /v1/grant-requests HTTP/1.1',
                  'content-type: application/json',
                  'transfer-encoding: chunked',
                ]),
                chunked(1024 * 1024),
              )
            ).status,
      );
    // One burst to warm up, then measure the next three.
    await burst();
    const before = process.memoryUsage();
    for (let round = 0; round < 3; round++) expect(new Set(await burst())).toEqual(new Set([413]));
    const after = process.memoryUsage();
    // 180 MB were offered; a server that buffered them would grow by that much.
    expect((after.heapUsed - before.heapUsed) / 2 ** 20).toBeLessThan(40);
    expect((after.rss - before.rss) / 2 ** 20).toBeLessThan(80);
  });
});

describe('deep nesting with a generous body limit (in-process)', () => {
  let database: OwnedTestDatabase;
  let tv: TestVault;
  let cookie: string;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    tv = await openTestVault(database, { env: { KITH_BODY_LIMIT_BYTES: String(8 * 1024 * 1024) } });
    ({ cookie } = await tv.signedInOwner());
  });
  afterAll(async () => {
    await tv?.close();
    await database?.drop();
  });

  const levels = 100_000;
  const arrays = `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const objects = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const cases: [string, string, string][] = [
    ['POST', '/v1/grant-requests', arrays],
    ['POST', '/v1/grant-requests', `{"fields":${arrays},"purpose":"delivery","duration":60}`],
    ['POST', '/v1/grants/collect', `{"request_id":${objects}}`],
    ['PATCH', '/v1/me/profile', `{"address":${objects}}`],
    ['PATCH', '/v1/me/profile', objects],
    ['POST', '/v1/me/grant-requests/grq_x/approve', `{"optionalFields":${arrays}}`],
    // Unbalanced: the parser gives up, it does not recurse.
    ['PATCH', '/v1/me/profile', '['.repeat(levels)],
  ];
  for (const [method, path, body] of cases) {
    it(`answers ${levels.toLocaleString('en')} levels at ${method} ${path} (${body.slice(0, 12)}…) with a coded 4xx`, async () => {
      const res = await tv.app.request(path, {
        method,
        headers: { 'content-type': 'application/json', cookie, 'sec-fetch-site': 'same-origin' },
        body,
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(isErrorCode(((await res.json()) as { code: string }).code)).toBe(true);
    });
  }
});
