import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import type { Db } from '../server/src/db/database.ts';
import { NEXT_KEY_MIN_PUBLISHED_MS } from '../server/src/keys/signing-key.service.ts';
import { runKith, startKith } from './support/cli.ts';
import { describeEachDatabase } from './support/databases.ts';
import { createTempDir } from './support/temp-dir.ts';
import { openTestVault } from './support/test-vault.ts';

const dirs: { cleanup(): Promise<void> }[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.cleanup();
});

describeEachDatabase('kith keys rotate', (database) => {
  const masterKey = randomBytes(32).toString('base64');
  const env = () => ({
    KITH_DATABASE_URL: database().url,
    KITH_MASTER_KEY: masterKey,
    KITH_LOG_LEVEL: 'warn',
  });
  const cwd = () => {
    const dir = createTempDir('kith-keys-cli-');
    dirs.push(dir);
    return dir.path;
  };

  async function inDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const tv = await openTestVault(database(), { masterKey });
    try {
      return await fn(tv.vault.db);
    } finally {
      await tv.close();
    }
  }
  async function keysInDatabase() {
    const rows = await inDatabase((db) =>
      db.selectFrom('signing_keys').select(['kid', 'status', 'created_at']).orderBy('kid').execute(),
    );
    return {
      rows,
      current: rows.find((r) => r.status === 'current')?.kid,
      next: rows.find((r) => r.status === 'next')?.kid,
    };
  }
  const kidsOf = (stdout: string) =>
    Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)),
    );

  it('refuses to promote a next key published moments ago, says how long to wait and mentions --force, and changes nothing', async () => {
    const refused = await runKith(['keys', 'rotate'], { cwd: cwd(), env: env() });
    expect(refused.code).toBe(75);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /not rotated: the next signing key has been published for less than 6 min/,
    );
    expect(refused.stderr).toMatch(/Wait (5 min [0-9]+ s|6 min) and run "kith keys rotate" again/);
    expect(refused.stderr).toMatch(/"kith keys rotate --force" \(vendors may fail to verify/);
    // What every first start makes, one current and one next key, and nothing rotated.
    const keys = await keysInDatabase();
    expect(keys.rows.map((r) => r.status).sort()).toEqual(['current', 'next']);
    expect(keys.rows[0]?.created_at).toBe(keys.rows[1]?.created_at);
  });

  it('promotes the next key at once with --force, warning loudly that vendors may fail to verify until they refetch', async () => {
    const before = await keysInDatabase();
    const forced = await runKith(['keys', 'rotate', '--force'], { cwd: cwd(), env: env() });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(
      /!!! --force: the new current key was published only [0-9]+ s ago\. Vendors .* may fail to verify .* until they fetch it again .* !!!/,
    );
    expect(kidsOf(forced.stdout)).toEqual({
      retired: before.current,
      current: before.next,
      next: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });

  it('promotes the published next key once it has been published long enough; serve publishes them all', async () => {
    // The CLI runs on the real clock: the test makes the minimum pass by backdating the next key.
    await inDatabase((db) =>
      db
        .updateTable('signing_keys')
        .set((eb) => ({ created_at: eb('created_at', '-', NEXT_KEY_MIN_PUBLISHED_MS) }))
        .where('status', '=', 'next')
        .execute(),
    );
    const before = await keysInDatabase();
    const rotated = await runKith(['keys', 'rotate'], { cwd: cwd(), env: env() });
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).not.toMatch(/--force/);
    const kids = kidsOf(rotated.stdout);
    // The key that became current was the one published as next.
    expect(kids).toEqual({ retired: before.current, current: before.next, next: expect.any(String) });
    expect(kids.next).not.toBe(before.next);

    const kith = await startKith({ cwd: cwd(), env: env() });
    try {
      const jwks = (await (await fetch(`${kith.url}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      const retiredBefore = before.rows.filter((r) => r.status === 'retired').map((r) => r.kid);
      expect(jwks.keys.map((k) => k.kid)).toEqual([
        kids.current,
        kids.next,
        expect.any(String),
        expect.any(String),
      ]);
      expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([...retiredBefore, kids.retired]));
    } finally {
      expect(await kith.stop()).toBe(0);
    }
  });
});

it('warns loudly at start-up when KITH_DEV_ALLOW_LOCAL_VENDORS is on, and refuses a value that is not a boolean', async () => {
  const dir = createTempDir('kith-keys-cli-');
  dirs.push(dir);
  const kith = await startKith({ cwd: dir.path, env: { KITH_DEV_ALLOW_LOCAL_VENDORS: 'true' } });
  try {
    expect(kith.output()).toMatch(/!!! KITH_DEV_ALLOW_LOCAL_VENDORS is on: .* development only/);
  } finally {
    expect(await kith.stop()).toBe(0);
  }
  const bad = await runKith(['serve'], { cwd: dir.path, env: { KITH_DEV_ALLOW_LOCAL_VENDORS: 'maybe' } });
  expect(bad.code).toBe(78);
  expect(bad.stderr).toMatch(/KITH_DEV_ALLOW_LOCAL_VENDORS: expected true or false/);
});
