import { randomBytes } from 'node:crypto';
import { isFieldPath, purposes } from '@kith/schemas';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAccessLog } from '../server/src/audit/audit.service.ts';
import { openWebhookSecret } from '../server/src/events/event.service.ts';
import { pairwiseSubject } from '../server/src/grants/pairwise-subject.ts';
import { getOwner } from '../server/src/owners/owner.service.ts';
import { readProfile } from '../server/src/profile/profile.service.ts';
import { type SeedReport, seedBulk } from './bench/seed.ts';
import { describeEachDatabase } from './support/databases.ts';
import { openTestVault, type TestVault } from './support/test-vault.ts';

// The benchmarks' seeding tool writes rows behind the server's back: a tiny run must give rows the server accepts.
describeEachDatabase('the benchmark seeding tool', (database) => {
  const masterKey = randomBytes(32).toString('base64');
  let report: SeedReport;
  let tv: TestVault;
  beforeAll(async () => {
    report = await seedBulk({
      databaseUrl: database().url,
      masterKey,
      sizes: { owners: 20, vendors: 10, grants: 200, logRows: 1_000 },
    });
    tv = await openTestVault(database(), { masterKey });
  });
  afterAll(() => tv?.close());

  it('writes the sizes it was asked for', () => {
    expect(report.rows).toEqual({
      vendors: 10,
      owners: 20,
      profile_fields: 100,
      grants: 200,
      access_log: 1_000,
    });
    expect(report.ownerIds).toHaveLength(20);
  });

  it("chains every owner's access log so that the server's verification passes", async () => {
    for (const ownerId of report.ownerIds) {
      expect(await verifyAccessLog(tv.vault.db, ownerId)).toMatchObject({ ok: true, entries: 50 });
    }
  });

  it('seals owners and profiles so that the server opens them under the master key', async () => {
    const deps = { db: tv.vault.db, keys: tv.vault.keys, clock: tv.clock };
    const [ownerId] = report.ownerIds as [string];
    expect((await getOwner(deps, ownerId))?.name).toMatch(/^bench-[0-9a-f]{6}-1$/);
    const profile = await readProfile(deps, ownerId);
    expect(profile.version).toBe(1);
    expect(profile.fields.email?.value).toBe('owner-1@bench.invalid');
    expect(profile.fields.address?.value).toMatchObject({ country: 'GB' });
  });

  it('writes collected grants with the pairwise subject and the vendor key thumbprint', async () => {
    const grants = await tv.vault.db.selectFrom('grants').selectAll().execute();
    expect(grants.filter((g) => g.revoked_at !== null)).toHaveLength(20);
    const grant = grants.find((g) => g.revoked_at === null) as (typeof grants)[number];
    const vendor = await tv.vault.db
      .selectFrom('vendors')
      .selectAll()
      .where('client_id', '=', grant.client_id)
      .executeTakeFirstOrThrow();
    const [publicJwk] = (JSON.parse(vendor.metadata) as { jwks: { keys: JWK[] } }).jwks.keys as [JWK];
    expect(grant.id).toMatch(/^grt_[A-Za-z0-9_-]{22}$/);
    expect(grant.subject).toBe(pairwiseSubject(tv.vault.keys, grant.owner_id, grant.client_id));
    expect(grant.jkt).toBe(await calculateJwkThumbprint(publicJwk));
    expect(grant.token_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((JSON.parse(grant.fields) as string[]).every(isFieldPath)).toBe(true);
    expect(Object.keys(purposes)).toContain(grant.purpose);
    expect(grant.collected_at).toBeGreaterThan(grant.created_at);
    expect(grant.expires_at).toBeGreaterThan(Date.now());
    expect(grant.origin).toBe('request');
  });

  it("seals each vendor's webhook secret so that the delivery worker opens it", async () => {
    for (const vendor of report.vendors) {
      const row = await tv.vault.db
        .selectFrom('vendors')
        .select('webhook_secret_sealed')
        .where('client_id', '=', vendor.clientId)
        .executeTakeFirstOrThrow();
      expect(row.webhook_secret_sealed).not.toBeNull();
      expect(openWebhookSecret(tv.vault, vendor.clientId, row.webhook_secret_sealed as Uint8Array)).toBe(
        vendor.webhookSecret,
      );
    }
  });

  it('puts back the indexes it set aside for the load', async () => {
    const query =
      database().kind === 'sqlite'
        ? sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index'`
        : sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()`;
    const names = (await query.execute(tv.vault.db)).rows.map((r) => r.name);
    // The access log's only index is its primary key, which a load cannot set aside.
    expect(names).toEqual(expect.arrayContaining(['grants_owner_client']));
  });
});
