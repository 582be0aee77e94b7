import { createDpopProof } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAccessLog } from '../server/src/audit/audit.service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { faultRounds } from './support/load.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

const REDEEMS = 200;

interface Outcome {
  startedAt: number;
  status: number;
  code: string | undefined;
}

describeEachDatabase('revoke vs redeem: 200 concurrent redeems while a revoke commits', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let owner: { cookie: string; owner: { id: string } };

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url });
    owner = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { email: 'race@example.com' },
    });
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
  });

  async function collectedGrant() {
    const request = await shop.client.requestGrant({
      fields: ['email'],
      purpose: 'delivery',
      duration: '1d',
    });
    await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
      method: 'POST',
      cookie: owner.cookie,
      json: { optionalFields: [], contact: true },
    });
    return shop.client.collectGrant({ requestId: request.id });
  }

  const rounds = faultRounds(2);
  it(`never serves a redeem that started after the revoke returned, nor logs a read after revoked_at (${rounds} rounds)`, async () => {
    const dataUrl = `${vault.url}/v1/data`;
    for (let round = 0; round < rounds; round++) {
      const { grant, grantId } = await collectedGrant();
      // Proofs are made ahead, so each redeem's start is the moment its request leaves.
      const proofs = await Promise.all(
        Array.from({ length: REDEEMS }, () =>
          createDpopProof({ key: shop.key, htm: 'GET', htu: dataUrl, accessToken: grant, now: Date.now() }),
        ),
      );
      const redeem = async (dpop: string): Promise<Outcome> => {
        const startedAt = Date.now();
        const res = await fetch(dataUrl, { headers: { authorization: `DPoP ${grant}`, dpop } });
        const body = (await res.json()) as { code?: string };
        return { startedAt, status: res.status, code: body.code };
      };

      // Half the redeems are in flight when the revoke is sent; more leave every few milliseconds
      // while it commits, and the last 40 leave once it has returned.
      const inFlight = proofs.slice(0, REDEEMS / 2).map(redeem);
      let revokeReturnedAt = Number.POSITIVE_INFINITY;
      const revoke = fetch(`${vault.url}/v1/me/grants/${grantId}/revoke`, {
        method: 'POST',
        headers: { cookie: owner.cookie, 'sec-fetch-site': 'same-origin' },
      }).then((res) => {
        revokeReturnedAt = Date.now();
        return res.status;
      });
      const rest = proofs.slice(REDEEMS / 2);
      const trickle: Promise<Outcome>[] = [];
      while (rest.length > 40 && revokeReturnedAt === Number.POSITIVE_INFINITY) {
        trickle.push(redeem(rest.shift() as string));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(await revoke).toBe(204);
      trickle.push(...rest.map(redeem));
      const outcomes = await Promise.all([...inFlight, ...trickle]);

      // Every answer is a success or GRANT_REVOKED: nothing else, never a 500.
      for (const o of outcomes) {
        expect(o.status === 200 || (o.status === 401 && o.code === 'GRANT_REVOKED'), JSON.stringify(o)).toBe(
          true,
        );
      }
      const late = outcomes.filter((o) => o.startedAt > revokeReturnedAt);
      expect(late.length).toBeGreaterThan(0);
      for (const o of late) expect(o).toMatchObject({ status: 401, code: 'GRANT_REVOKED' });

      // The log: one read per success, none stamped after the revocation, and the chain holds.
      const { revoked_at } = await vault.vault.db
        .selectFrom('grants')
        .select('revoked_at')
        .where('id', '=', grantId)
        .executeTakeFirstOrThrow();
      expect(revoked_at).not.toBeNull();
      expect(revoked_at as number).toBeLessThanOrEqual(revokeReturnedAt);
      const reads = await vault.vault.db
        .selectFrom('access_log')
        .select(['at', 'action'])
        .where('grant_id', '=', grantId)
        .where('action', 'in', ['data.read', 'data.read_unchanged'])
        .execute();
      expect(reads).toHaveLength(outcomes.filter((o) => o.status === 200).length);
      for (const read of reads) expect(read.at).toBeLessThanOrEqual(revoked_at as number);
      expect(await verifyAccessLog(vault.vault.db, owner.owner.id)).toMatchObject({ ok: true });
    }
  });
});
