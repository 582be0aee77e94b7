import type { ProfileView } from '@kith/schemas';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAccessLog } from '../server/src/audit/audit.service.ts';
import { freePort, type RunningKith, startKith } from './support/cli.ts';
import { describeEachDatabase } from './support/databases.ts';
import { faultRounds } from './support/load.ts';
import { openSqliteFile } from './support/sqlite-file.ts';
import { createTempDir } from './support/temp-dir.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

const OWNERS = 3;

/** What one profile writer saw: each PATCH sets `nickname` to `n<counter>`, one at a time. */
interface ProfileWrites {
  cookie: string;
  attempted: number;
  acked: { counter: number; version: number } | undefined;
}

/** What the grant writer saw acknowledged: approvals, collected grants and redeems. */
interface GrantWrites {
  approved: string[];
  collected: string[];
  redeemed: Map<string, number>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachDatabase('crash: kill -9 under a write load loses no acknowledged write', (database) => {
  const cwd = createTempDir('kith-crash-');
  let tv: TestVault;
  let shop: TestVendor;
  let port: number;
  let env: Record<string, string>;
  let server: RunningKith | undefined;
  const writers: ProfileWrites[] = [];
  const grants: GrantWrites = { approved: [], collected: [], redeemed: new Map() };
  const unexpected: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    const url = `http://localhost:${port}`;
    // The owners and their sessions are made with the services, on the same database and master key the server gets.
    tv = await openTestVault(database(), { realClock: true, env: { KITH_PUBLIC_URL: url } });
    for (let i = 0; i < OWNERS; i++) {
      const { cookie } = await tv.signedInOwner();
      writers.push({ cookie, attempted: 0, acked: undefined });
    }
    env = {
      KITH_DATABASE_URL: database().url,
      KITH_MASTER_KEY: tv.masterKey,
      KITH_PUBLIC_URL: url,
      KITH_DEV_ALLOW_LOCAL_VENDORS: 'true',
      KITH_VENDOR_RATE_LIMIT_PER_MINUTE: '1000000',
      KITH_DELIVERY_WORKER: 'false',
      KITH_LOG_LEVEL: 'warn',
    };
    shop = await startTestVendor({ vault: url, name: 'Crash Shop' });
  });
  afterAll(async () => {
    await server?.kill();
    await shop?.stop();
    await tv?.close();
    cwd.cleanup();
  });

  /** PATCHes one owner's nickname until the server stops answering. */
  async function writeProfile(w: ProfileWrites, stopped: () => boolean) {
    while (!stopped()) {
      const counter = ++w.attempted;
      let res: Response;
      try {
        res = await fetch(`${server?.url}/v1/me/profile`, {
          method: 'PATCH',
          headers: { cookie: w.cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
          body: JSON.stringify({ nickname: `n${counter}` }),
        });
      } catch {
        return; // Killed: this write was never acknowledged.
      }
      const body = (await res.json().catch(() => undefined)) as ProfileView | undefined;
      if (!res.ok || !body) {
        unexpected.push(`PATCH /v1/me/profile answered ${res.status}`);
        return;
      }
      w.acked = { counter, version: body.version };
    }
  }

  /** Asks, approves, collects and redeems grants until the server stops answering. */
  async function writeGrants(stopped: () => boolean) {
    const [owner] = writers as [ProfileWrites];
    try {
      while (!stopped()) {
        const request = await shop.client.requestGrant({
          fields: ['nickname'],
          purpose: 'delivery',
          duration: '1d',
        });
        const approve = await fetch(`${server?.url}/v1/me/grant-requests/${request.id}/approve`, {
          method: 'POST',
          headers: {
            cookie: owner.cookie,
            'sec-fetch-site': 'same-origin',
            'content-type': 'application/json',
          },
          body: '{"optionalFields":[],"contact":true}',
        });
        if (!approve.ok) {
          unexpected.push(`approve answered ${approve.status}`);
          return;
        }
        grants.approved.push(request.id);
        const { grant, grantId } = await shop.client.collectGrant({ requestId: request.id });
        grants.collected.push(grantId);
        for (let i = 0; i < 3 && !stopped(); i++) {
          await shop.client.redeem(grant);
          grants.redeemed.set(grantId, (grants.redeemed.get(grantId) ?? 0) + 1);
        }
      }
    } catch (error) {
      // A dropped connection (fetch's TypeError, the SDK's NETWORK_ERROR) is the kill; anything else is a wrong answer.
      const code = (error as { code?: string }).code;
      const dropped =
        code === 'NETWORK_ERROR' || (error instanceof TypeError && error.message === 'fetch failed');
      if (!dropped) unexpected.push(`grant flow: ${code ?? String(error)}`);
    }
  }

  /** Everything the clients saw acknowledged is there, and the stores are whole. */
  async function checkAfterRestart(round: number) {
    for (const [i, w] of writers.entries()) {
      if (!w.acked) continue;
      const res = await fetch(`${server?.url}/v1/me/profile`, { headers: { cookie: w.cookie } });
      expect(res.status).toBe(200);
      const profile = (await res.json()) as ProfileView;
      const nickname = profile.fields.nickname?.value as string | undefined;
      const counter = Number(nickname?.slice(1));
      const where = `round ${round}, owner ${i}: stored ${nickname} v${profile.version}, acked n${w.acked.counter} v${w.acked.version}, attempted n${w.attempted}`;
      expect(profile.version, where).toBeGreaterThanOrEqual(w.acked.version);
      expect(counter >= w.acked.counter && counter <= w.attempted, where).toBe(true);
    }
    if (grants.approved.length > 0) {
      const requests = await tv.vault.db
        .selectFrom('grant_requests')
        .select(['id', 'status'])
        .where('id', 'in', grants.approved)
        .execute();
      expect(requests).toHaveLength(grants.approved.length);
      for (const r of requests) expect(['approved', 'collected']).toContain(r.status);
    }
    if (grants.collected.length > 0) {
      const collected = await tv.vault.db
        .selectFrom('grants')
        .select('id')
        .where('id', 'in', grants.collected)
        .execute();
      expect(collected).toHaveLength(grants.collected.length);
    }
    for (const [grantId, count] of grants.redeemed) {
      // Each acknowledged redeem had its access-log entry durably written first.
      const reads = await tv.vault.db
        .selectFrom('access_log')
        .select(({ fn }) => fn.countAll<number>().as('n'))
        .where('grant_id', '=', grantId)
        .where('action', 'in', ['data.read', 'data.read_unchanged'])
        .executeTakeFirstOrThrow();
      expect(Number(reads.n), `round ${round}: reads logged for ${grantId}`).toBeGreaterThanOrEqual(count);
    }
    const owners = await tv.vault.db.selectFrom('owners').select('id').execute();
    for (const { id } of owners) {
      expect(await verifyAccessLog(tv.vault.db, id), `round ${round}: access log of ${id}`).toMatchObject({
        ok: true,
      });
    }
  }

  const kills = faultRounds(20);
  it(`keeps every acknowledged profile update, approval, collect and redeem across ${kills} kill -9s; the chain and the file stay whole`, async () => {
    for (let round = 1; round <= kills; round++) {
      server = await startKith({ cwd: cwd.path, env, runtime: 'bundle', port });
      if (round > 1) await checkAfterRestart(round);
      let killed = false;
      const stopped = () => killed;
      const load = Promise.all([...writers.map((w) => writeProfile(w, stopped)), writeGrants(stopped)]);
      // A random moment: sometimes right after start, sometimes well into the load.
      await pause(20 + Math.random() * 1500);
      killed = true;
      await server.kill();
      await load;
      server = undefined;
      expect(unexpected).toEqual([]);
      if (database().kind === 'sqlite') {
        const file = openSqliteFile(database().url);
        try {
          expect(file.pragma('integrity_check', { simple: true }), `round ${round}`).toBe('ok');
        } finally {
          file.close();
        }
      }
    }
    server = await startKith({ cwd: cwd.path, env, runtime: 'bundle', port });
    await checkAfterRestart(kills + 1);
    // The load really ran: writes were acknowledged, grants collected and redeemed.
    for (const w of writers) expect(w.acked?.counter ?? 0).toBeGreaterThan(kills);
    expect(grants.collected.length).toBeGreaterThan(0);
    expect([...grants.redeemed.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await server.stop();
    server = undefined;
  }, 240_000);
});
