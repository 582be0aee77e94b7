import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runKith, startKith } from './support/cli.ts';
import { createTestDatabase, describeEachDatabase, type OwnedTestDatabase } from './support/databases.ts';
import { requestJson } from './support/http.ts';
import { type LiveVault, startLiveVault } from './support/live-vault.ts';
import { createTempDir, type TempDir } from './support/temp-dir.ts';
import { grantThroughSdk, startTestVendor, type TestVendor } from './support/vendor.ts';

const GRANTS = 6;
/** Redeems at least, the backup running among them. */
const MIN_REDEEMS = 300;

// The load part runs on SQLite, whose copy Kith takes itself; PostgreSQL's is pg_dump's (checked below).
describe('kith backup on SQLite, under a redeem load, restored into a new directory', () => {
  let database: OwnedTestDatabase;
  let vault: LiveVault;
  let shop: TestVendor;
  let dir: TempDir;
  const grants: { grant: string; email: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dir = createTempDir('kith-backup-');
    vault = await startLiveVault(database);
    shop = await startTestVendor({ vault: vault.url, name: 'Backup Shop' });
    for (let i = 0; i < GRANTS; i++) {
      const owner = await vault.signedInOwner();
      const email = `owner${i}@example.com`;
      await requestJson(vault.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: { email },
      });
      grants.push({ grant: (await grantThroughSdk(vault, shop, owner, ['email'])).grant, email });
    }
  });
  afterAll(async () => {
    await shop?.stop();
    await vault?.stop();
    await database?.drop();
    await dir?.cleanup();
  });

  it('copies a consistent vault while redeems go on; the copy, with the same key, verifies and redeems every grant', async () => {
    const backup = join(dir.path, 'kith-backup.sqlite');
    const env = { KITH_DATABASE_URL: database.url, KITH_MASTER_KEY: vault.masterKey };
    let backupDone = false;
    let redeems = 0;
    const redeemer = async (offset: number) => {
      for (let i = offset; !(backupDone && redeems >= MIN_REDEEMS) && redeems < 20 * MIN_REDEEMS; i++) {
        const { grant } = grants[i % GRANTS] as (typeof grants)[number];
        await shop.client.redeem(grant);
        redeems++;
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(redeemer));
    // Once the load is under way: the copy is taken while redeems commit.
    while (redeems < 20) await new Promise((r) => setTimeout(r, 10));
    const result = await runKith(['backup', '--to', backup], { cwd: dir.path, env, timeoutMs: 60_000 });
    const redeemsDuringBackup = redeems;
    backupDone = true;
    await load;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Backed up \d+ pages to .*kith-backup\.sqlite$/m);
    // The reminder: the key is not in the copy.
    expect(result.stdout).toMatch(/Without the master key \(KITH_MASTER_KEY.*\) it cannot be read/);
    expect(redeemsDuringBackup).toBeGreaterThan(20);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    // A second backup to the same file is refused: a backup is never overwritten.
    const again = await runKith(['backup', '--to', backup], { cwd: dir.path, env });
    expect(again.code).toBe(73);

    // Restore as the README says: the copy becomes the database of a new directory, with the same key.
    await vault.stop();
    const restored = join(dir.path, 'restored');
    const restoredDb = join(restored, 'kith.sqlite');
    mkdirSync(restored);
    copyFileSync(backup, restoredDb);
    const restoredEnv = { KITH_DATABASE_URL: `sqlite:${restoredDb}`, KITH_MASTER_KEY: vault.masterKey };
    const verify = await runKith(['audit', 'verify'], { cwd: restored, env: restoredEnv });
    expect(verify.stdout).toContain(`${GRANTS} chain(s) checked, 0 broken`);
    expect(verify.code).toBe(0);

    const port = Number(new URL(vault.url).port);
    const server = await startKith({
      cwd: restored,
      port,
      env: { ...restoredEnv, KITH_PUBLIC_URL: vault.url, KITH_DEV_ALLOW_LOCAL_VENDORS: 'true' },
    });
    try {
      for (const { grant, email } of grants) {
        expect(await shop.client.redeem(grant)).toMatchObject({ fields: { email } });
      }
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 180_000);
});

describeEachDatabase('a database that holds a vault, started without its key', (database) => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = createTempDir('kith-keyless-');
    // A vault on this database, made with a key that is then "lost".
    const made = await runKith(['owner', 'create', '--name', 'Ada'], {
      cwd: dir.path,
      env: { KITH_DATABASE_URL: database().url, KITH_MASTER_KEY: Buffer.alloc(32, 9).toString('base64') },
    });
    expect(made.code).toBe(0);
  });
  afterAll(() => dir?.cleanup());

  it('refuses (exit 78) and creates no key file, no folder, nothing', async () => {
    const cwd = createTempDir('kith-keyless-cwd-');
    try {
      // SQLite's default key file is beside the database.
      const folder =
        database().kind === 'sqlite' ? dirname(database().url.slice('sqlite:'.length)) : undefined;
      const before = folder ? readdirSync(folder).sort() : [];
      const result = await runKith(['serve'], {
        cwd: cwd.path,
        env: { KITH_DATABASE_URL: database().url, KITH_PORT: String(await freePort()) },
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toMatch(/master\.key is missing, but the database already holds a vault/);
      expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
      // No master.key beside the database (SQLite) or in ./data (PostgreSQL); no WAL files either.
      expect(readdirSync(cwd.path)).toEqual([]);
      if (folder) expect(readdirSync(folder).sort()).toEqual(before);
    } finally {
      await cwd.cleanup();
    }
  });
});

describeEachDatabase('kith backup on any database', (database) => {
  it('on PostgreSQL prints the pg_dump command (without a password); on SQLite writes the copy', async () => {
    const dir = createTempDir('kith-backup-any-');
    try {
      const env = {
        KITH_DATABASE_URL: database().url,
        KITH_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
      };
      const made = await runKith(['migrate'], { cwd: dir.path, env });
      expect(made.code).toBe(0);
      const file = join(dir.path, 'copy.backup');
      const result = await runKith(['backup', '--to', file], { cwd: dir.path, env });
      expect(result.code).toBe(0);
      if (database().kind === 'postgres') {
        const url = new URL(database().url);
        url.password = '';
        expect(result.stdout).toContain(`pg_dump --format=custom --no-owner --file=${file} ${url.href}`);
        expect(readdirSync(dir.path)).not.toContain('copy.backup');
      } else {
        expect(statSync(file).size).toBeGreaterThan(0);
      }
      expect(result.stdout).toContain('KITH_MASTER_KEY');
    } finally {
      await dir.cleanup();
    }
  }, 120_000);
});
