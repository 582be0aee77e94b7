import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKith, startKith } from './support/cli.ts';
import { describeEachDatabase } from './support/databases.ts';
import { createTempDir } from './support/temp-dir.ts';

const dirs: { cleanup(): Promise<void> }[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.cleanup();
});
function workDir(): string {
  const dir = createTempDir('kith-cli-');
  dirs.push(dir);
  return dir.path;
}

describe('kith serve on a fresh checkout (no configuration at all)', () => {
  it('creates ./data with a SQLite vault and a 0600 master key, warns loudly, and serves /healthz', async () => {
    const cwd = workDir();
    const kith = await startKith({ cwd });
    try {
      const health = await fetch(`${kith.url}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect((await fetch(`${kith.url}/readyz`)).status).toBe(200);
      expect(statSync(join(cwd, 'data', 'kith.sqlite')).isFile()).toBe(true);
      expect(statSync(join(cwd, 'data', 'master.key')).mode & 0o777).toBe(0o600);
      expect(kith.output()).toMatch(/A new master key was generated at .*master\.key\. Back it up now/);
    } finally {
      expect(await kith.stop()).toBe(0);
    }
    // A second start reuses the key without a warning.
    const again = await startKith({ cwd });
    await again.stop();
    expect(again.output()).not.toMatch(/A new master key was generated/);
  });
});

describeEachDatabase('kith CLI', (database) => {
  it('serves on the configured database', async () => {
    const cwd = workDir();
    const kith = await startKith({ cwd, env: { KITH_DATABASE_URL: database().url } });
    try {
      expect((await fetch(`${kith.url}/readyz`)).status).toBe(200);
      expect(kith.output()).toContain(`"database":"${database().kind}"`);
    } finally {
      await kith.stop();
    }
  });

  it('refuses to start with a different master key, saying so', async () => {
    const cwd = workDir();
    const result = await runKith(['serve'], {
      cwd,
      env: { KITH_DATABASE_URL: database().url, KITH_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') },
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/master key does not open this vault/);
  });

  it('migrates down and up again', async () => {
    const cwd = workDir();
    const env = { KITH_DATABASE_URL: database().url };
    const down = await runKith(['migrate', '--down'], { cwd, env });
    expect(down.stdout).toMatch(/^down /m);
    const up = await runKith(['migrate'], { cwd, env });
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^up /m);
    const again = await runKith(['migrate'], { cwd, env });
    expect(again.stdout).toBe('The schema is up to date.\n');
  });
});

describe('kith CLI configuration errors', () => {
  for (const [variable, value] of [
    ['KITH_PORT', 'eighty'],
    ['KITH_DATABASE_URL', 'mysql://nope'],
    ['KITH_PUBLIC_URL', 'http://vault.example'],
    ['KITH_MASTER_KEY', 'too-short'],
    ['KITH_DELIVERY_BATCH_SIZE', '0'],
  ] as const) {
    it(`names ${variable} and exits 78 when it is bad`, async () => {
      const result = await runKith(['serve'], { cwd: workDir(), env: { [variable]: value } });
      expect(result.code).toBe(78);
      expect(result.stderr).toMatch(new RegExp(`^kith: ${variable}: `));
    });
  }

  it('prints help', async () => {
    const result = await runKith(['--help'], { cwd: workDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/kith serve/);
    expect(result.stdout).toMatch(/kith migrate/);
  });
});
