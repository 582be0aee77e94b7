import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { runKith, startKith } from './support/cli.ts';
import { describeEachDatabase } from './support/databases.ts';
import { createTempDir } from './support/temp-dir.ts';

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

  it('promotes the published next key, retires the current one and publishes a new next; serve publishes them all', async () => {
    const first = await runKith(['keys', 'rotate'], { cwd: cwd(), env: env() });
    expect(first.code).toBe(0);
    const firstKids = Object.fromEntries(
      first.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)),
    );
    const second = await runKith(['keys', 'rotate'], { cwd: cwd(), env: env() });
    expect(second.code).toBe(0);
    const secondKids = Object.fromEntries(
      second.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)),
    );
    // The key that became current the second time was published as next the first time.
    expect(secondKids.current).toBe(firstKids.next);
    expect(secondKids.retired).toBe(firstKids.current);

    const kith = await startKith({ cwd: cwd(), env: env() });
    try {
      const jwks = (await (await fetch(`${kith.url}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      expect(jwks.keys.map((k) => k.kid)).toEqual([
        secondKids.current,
        secondKids.next,
        expect.any(String),
        expect.any(String),
      ]);
      expect(jwks.keys.map((k) => k.kid)).toEqual(
        expect.arrayContaining([firstKids.retired, secondKids.retired]),
      );
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
