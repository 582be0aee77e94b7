import { createDpopProof } from '@kith/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAccessLog } from '../server/src/audit/audit.service.ts';
import { countRows } from './support/count-rows.ts';
import { describeEachDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { startTestVendor, type TestVendor } from './support/vendor.ts';

// Redeems sent at once arrive in one turn of the server's event loop, so they
// share one transaction (SQLite's group commit; PostgreSQL's redeem group).
// Whatever the group holds, each redeem must be answered as if alone.
describeEachDatabase('redeems of one moment, grouped in one transaction', (database) => {
  let vault: LiveVault;
  let shop: TestVendor;
  let florist: TestVendor;
  let owner: { cookie: string; owner: { id: string } };
  let neighbour: { cookie: string; owner: { id: string } };
  let dataUrl: string;

  beforeAll(async () => {
    vault = await startLiveVault(database());
    shop = await startTestVendor({ vault: vault.url });
    florist = await startTestVendor({ vault: vault.url });
    owner = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: owner.cookie,
      json: { email: 'group@example.com', given_name: 'Grace' },
    });
    neighbour = await vault.signedInOwner();
    await requestJson(vault.app, '/v1/me/profile', {
      method: 'PATCH',
      cookie: neighbour.cookie,
      json: { email: 'next-door@example.com', given_name: 'Nell' },
    });
    dataUrl = `${vault.url}/v1/data`;
  });
  afterAll(async () => {
    await shop?.stop();
    await florist?.stop();
    await vault?.stop();
  });

  async function collectedGrant(vendor: TestVendor, fields: ('email' | 'given_name')[], by = owner) {
    const request = await vendor.client.requestGrant({ fields, purpose: 'delivery', duration: '1d' });
    await requestJson(vault.app, `/v1/me/grant-requests/${request.id}/approve`, {
      method: 'POST',
      cookie: by.cookie,
      json: { optionalFields: [], contact: true },
    });
    return (await vendor.client.collectGrant({ requestId: request.id })).grant;
  }

  const count = (table: 'access_log' | 'dpop_proof_jtis') => countRows(vault.vault.db, table);

  it('answers each redeem alone: replays and foreign keys refused, spending nothing; each owner their own fields and one chain, in order', async () => {
    const shopGrant = await collectedGrant(shop, ['email']);
    const floristGrant = await collectedGrant(florist, ['email', 'given_name']);
    const neighbourGrant = await collectedGrant(florist, ['email', 'given_name'], neighbour);
    const proof = (vendor: TestVendor, grant: string, key = vendor.key) =>
      createDpopProof({ key, htm: 'GET', htu: dataUrl, accessToken: grant, now: Date.now() });
    const logBefore = await count('access_log');
    const jtisBefore = await count('dpop_proof_jtis');

    // 20 fresh proofs for each grant; 5 of the shop's proofs sent twice; 5 proofs signed with the
    // florist's key for the shop's grant (bound to the shop's key: refused, so nothing spent).
    const shopProofs = await Promise.all(Array.from({ length: 20 }, () => proof(shop, shopGrant)));
    const floristProofs = await Promise.all(Array.from({ length: 20 }, () => proof(florist, floristGrant)));
    const neighbourProofs = await Promise.all(
      Array.from({ length: 10 }, () => proof(florist, neighbourGrant)),
    );
    const foreignProofs = await Promise.all(
      Array.from({ length: 5 }, () => proof(shop, shopGrant, florist.key)),
    );
    const sends = [
      ...shopProofs.map((dpop) => ({ grant: shopGrant, dpop, kind: 'shop' })),
      ...floristProofs.map((dpop) => ({ grant: floristGrant, dpop, kind: 'florist' })),
      ...neighbourProofs.map((dpop) => ({ grant: neighbourGrant, dpop, kind: 'neighbour' })),
      ...shopProofs.slice(0, 5).map((dpop) => ({ grant: shopGrant, dpop, kind: 'replay' })),
      ...foreignProofs.map((dpop) => ({ grant: shopGrant, dpop, kind: 'foreign' })),
    ];
    const results = await Promise.all(
      sends.map(async ({ grant, dpop, kind }) => {
        const res = await fetch(dataUrl, { headers: { authorization: `DPoP ${grant}`, dpop } });
        const body = (await res.json()) as { fields?: Record<string, unknown>; code?: string };
        return { kind, dpop, status: res.status, fields: body.fields, code: body.code };
      }),
    );

    // Each proof is served exactly once, whichever of its two sends came first.
    const served = results.filter((r) => r.status === 200);
    expect(new Set(served.map((r) => r.dpop)).size).toBe(served.length);
    expect(served).toHaveLength(50);
    // Two owners' fields read in one transaction: each grant answers its own owner's, and only the granted.
    const expected: Record<string, Record<string, string>> = {
      shop: { email: 'group@example.com' },
      replay: { email: 'group@example.com' },
      florist: { email: 'group@example.com', given_name: 'Grace' },
      neighbour: { email: 'next-door@example.com', given_name: 'Nell' },
    };
    for (const r of served) expect(r.fields).toEqual(expected[r.kind]);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused.map((r) => [r.status, r.code])).toEqual(Array(10).fill([401, 'INVALID_GRANT']));
    expect(refused.filter((r) => r.kind === 'foreign')).toHaveLength(5);

    // One log entry and one spent jti per served redeem: the refused spent nothing.
    expect(await count('access_log')).toBe(logBefore + 50);
    expect(await count('dpop_proof_jtis')).toBe(jtisBefore + 50);
    // Forty reads of one owner through two vendors and ten of the other: a chain each, every entry after the one before.
    expect(await verifyAccessLog(vault.vault.db, owner.owner.id)).toMatchObject({ ok: true });
    expect(await verifyAccessLog(vault.vault.db, neighbour.owner.id)).toMatchObject({ ok: true });
  });
});
