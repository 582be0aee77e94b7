import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startKith } from './support/cli.ts';
import { createTempDir } from './support/temp-dir.ts';

const dirs: { cleanup(): Promise<void> }[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.cleanup();
});
function workDir(): string {
  const dir = createTempDir('kith-files-');
  dirs.push(dir);
  return dir.path;
}
const modeOf = (path: string) => statSync(path).mode & 0o777;
// Each start of the real CLI takes seconds on a busy machine; the loop below starts it four times.
const CLI_TEST_MS = 120_000;

describe('the files Kith keeps on disk', () => {
  it(
    'creates its data folder for its owner only (0700) and the database files 0600',
    async () => {
      const cwd = workDir();
      const kith = await startKith({ cwd, runtime: 'bin' });
      try {
        const data = join(cwd, 'data');
        expect(modeOf(data)).toBe(0o700);
        expect(modeOf(join(data, 'master.key'))).toBe(0o600);
        // The -wal and -shm files exist while the server runs; SQLite gives them the database's mode.
        for (const file of ['kith.sqlite', 'kith.sqlite-wal', 'kith.sqlite-shm']) {
          expect(existsSync(join(data, file)), file).toBe(true);
          expect(modeOf(join(data, file)), file).toBe(0o600);
        }
      } finally {
        expect(await kith.stop()).toBe(0);
      }
    },
    CLI_TEST_MS,
  );

  it(
    'warns at start when the master key file can be read by other users, and not when it cannot',
    async () => {
      const cwd = workDir();
      const keyFile = join(cwd, 'secrets', 'master.key');
      mkdirSync(join(cwd, 'secrets'));
      writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`);
      const env = { KITH_MASTER_KEY_FILE: keyFile };
      for (const [mode, warned] of [
        [0o644, true],
        [0o640, true],
        [0o604, true],
        [0o600, false],
      ] as const) {
        chmodSync(keyFile, mode);
        const kith = await startKith({ cwd, runtime: 'bundle', env });
        await kith.stop();
        const warning =
          /The master key file .*master\.key can be read by other users \(mode 0\d+\): run chmod 600/;
        if (warned) expect(kith.output(), mode.toString(8)).toMatch(warning);
        else expect(kith.output(), mode.toString(8)).not.toMatch(warning);
      }
    },
    CLI_TEST_MS,
  );
});

describe('kith started from another working folder', () => {
  it(
    'renders its pages: nothing depends on the folder it was started from',
    async () => {
      // A folder with no tsconfig of its own, as /tmp or a service's WorkingDirectory.
      const cwd = workDir();
      const kith = await startKith({ cwd, runtime: 'bin' });
      try {
        const page = await fetch(`${kith.url}/sign-in`);
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('<form');
        expect(kith.output()).not.toContain('unexpected error');
      } finally {
        await kith.stop();
      }
    },
    CLI_TEST_MS,
  );
});
