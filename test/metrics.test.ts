import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../server/src/app.ts';
import { createLogger } from '../server/src/logger.ts';
import { createMetrics } from '../server/src/ops/metrics.ts';
import { freePort, type RunningKith, startKith } from './support/cli.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { createTempDir, type TempDir } from './support/temp-dir.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';
import { grantThroughSdk, startTestVendor, type TestVendor } from './support/vendor.ts';

const EMAIL = 'metrics-person@example.com';

describeEachDatabase('Prometheus metrics', (database) => {
  let tv: TestVault;
  let shop: TestVendor;
  let cwd: TempDir;
  let kith: RunningKith;
  let metricsUrl: string;
  const secrets: string[] = [EMAIL];

  beforeAll(async () => {
    cwd = createTempDir('kith-metrics-');
    const port = await freePort();
    const metricsPort = await freePort();
    const url = `http://localhost:${port}`;
    tv = await openTestVault(database(), { realClock: true, env: { KITH_PUBLIC_URL: url } });
    kith = await startKith({
      cwd: cwd.path,
      port,
      env: {
        KITH_DATABASE_URL: database().url,
        KITH_MASTER_KEY: tv.masterKey,
        KITH_PUBLIC_URL: url,
        KITH_DEV_ALLOW_LOCAL_VENDORS: 'true',
        KITH_DELIVERY_WORKER: 'false',
        KITH_METRICS_PORT: String(metricsPort),
        KITH_LOG_LEVEL: 'warn',
      },
    });
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    shop = await startTestVendor({ vault: url, name: 'Metrics Shop' });
    const owner = await tv.signedInOwner();
    secrets.push(owner.owner.id, shop.clientId);
    await requestJson(tv.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { email: EMAIL },
    });
    const { grant, grantId } = await grantThroughSdk(tv, shop, owner, ['email']);
    secrets.push(grantId);
    for (let i = 0; i < 5; i++) await shop.client.redeem(grant);
    // A path and a query that carry something personal, as a mistyped or hostile URL may.
    await fetch(`${kith.url}/v1/nothing/${encodeURIComponent(EMAIL)}?code=KITH-SECR-ET99`);
    secrets.push('KITH-SECR-ET99', 'nothing');
    // An ended relationship: one erasure pending.
    const ended = await requestJson(tv.app, '/v1/me/relationships/end', {
      method: 'POST',
      cookie: owner.cookie,
      json: { clientId: shop.clientId },
    });
    expect(ended.status).toBe(200);
  });
  afterAll(async () => {
    await kith?.stop();
    await shop?.stop();
    await tv?.close();
    await cwd?.cleanup();
  });

  it('serves them on KITH_METRICS_PORT, not on the public port', async () => {
    expect((await fetch(`${kith.url}/metrics`)).status).toBe(404);
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts requests by route and status, times redeems, and reports the webhook backlog and erasures', async () => {
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/^kith_http_requests_total\{method="GET",route="\/v1\/data",status="200"\} 5$/m);
    expect(text).toMatch(/^kith_redeem_duration_seconds_count\{status="200"\} 5$/m);
    expect(text).toMatch(/^kith_redeem_duration_seconds_bucket\{le="0\.005",status="200"\} \d+$/m);
    // The redeems' access-log writes go through SQLite's group commit; PostgreSQL groups its own.
    if (database().kind === 'sqlite') expect(text).toMatch(/^kith_group_commit_units_count [1-9]\d*$/m);
    else expect(text).toContain('# TYPE kith_group_commit_units histogram');
    // Ending the relationship queued its events: KITH_DELIVERY_WORKER is off here, so they wait.
    expect(text).toMatch(/^kith_webhook_backlog [1-9]\d*$/m);
    expect(text).toMatch(/^kith_webhook_retrying 0$/m);
    expect(text).toMatch(/^kith_webhook_failed 0$/m);
    expect(text).toMatch(/^kith_erasures_pending 1$/m);
    expect(text).toMatch(/^kith_erasures_overdue 0$/m);
    expect(text).toMatch(/^kith_process_cpu_seconds_total /m);
  });

  it('carries no personal data, id or raw URL in any label: route patterns only', async () => {
    const text = await (await fetch(metricsUrl)).text();
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(EMAIL));
    const routes = [...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1] as string);
    expect(routes).toContain('/v1/data');
    for (const route of routes) expect(route).toMatch(/^(\/[\w.:*-]*)+$|^\*$/);
    expect(routes.filter((r) => r.includes('?'))).toEqual([]);
  });

  it('is off by default, and with KITH_METRICS=true is served on the main port', async () => {
    expect((await tv.app.request('/metrics')).status).toBe(404);
    const config = { ...tv.config, metrics: { port: undefined } };
    const deps = { ...tv.vault, clock: tv.clock, config };
    const app = createApp({ ...deps, logger: createLogger('silent'), metrics: createMetrics(deps) });
    await app.request('/healthz');
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(
      /^kith_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m,
    );
  });
});
