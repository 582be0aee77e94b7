import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKith, startKith } from './support/cli.ts';
import { createTempDir, type TempDir } from './support/temp-dir.ts';

describe('kith owner (CLI)', () => {
  let dir: TempDir;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = createTempDir('kith-owner-cli-');
    env = {
      KITH_DATABASE_URL: `sqlite:${join(dir.path, 'kith.sqlite')}`,
      KITH_MASTER_KEY: randomBytes(32).toString('base64'),
      KITH_PUBLIC_URL: 'http://localhost:4999',
      KITH_LOG_LEVEL: 'warn',
    };
  });
  afterAll(() => dir?.cleanup());

  it('kith serve on a vault with no owner prints a first-owner link to stderr, never into the log stream', async () => {
    const server = await startKith({ cwd: dir.path, env: { ...env, KITH_LOG_LEVEL: 'info' } });
    try {
      // Not a terminal (a pipe, as under systemd or a container): stderr, on lines that say what they are.
      expect(server.stderr()).toMatch(/^kith: first-owner enrollment link .*not a log line/m);
      const link = /no owner yet.*(http:\/\/localhost:4999\/enroll\/[\w-]{43})/.exec(server.stderr());
      expect(link).not.toBeNull();
      // stdout carries the JSON log lines, and only them.
      expect(server.stdout()).toContain('"msg":"Kith is listening');
      expect(server.stdout()).not.toContain('/enroll/');
      for (const line of server.stdout().split('\n').filter(Boolean))
        expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      await server.stop();
    }
  });

  it('kith owner create prints a one-time enrollment link valid for 24 hours', async () => {
    const { code, stdout } = await runKith(['owner', 'create', '--name', 'Mary Somerville'], {
      cwd: dir.path,
      env,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^Owner created\. .*valid until \d{4}-\d\d-\d\dT.*\):\nhttp:\/\/localhost:4999\/enroll\/[\w-]{43}$/m,
    );
  });

  it('offers no first-owner link once kith owner create made an owner', async () => {
    // (That the earlier link itself is dead is tested on both databases in owners-first-owner-link.test.ts.)
    const server = await startKith({ cwd: dir.path, env });
    try {
      expect(server.output()).not.toContain('/enroll/');
    } finally {
      await server.stop();
    }
  });

  it('refuses a second owner with the same name', async () => {
    const { code, stderr } = await runKith(['owner', 'create', '--name', 'mary somerville'], {
      cwd: dir.path,
      env,
    });
    expect(code).toBe(1);
    expect(stderr).toContain('already exists');
  });

  it('kith owner reset prints a new link, and names an unknown owner as such', async () => {
    const reset = await runKith(['owner', 'reset', 'Mary Somerville'], { cwd: dir.path, env });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(
      /voided\. New enrollment link .*\nhttp:\/\/localhost:4999\/enroll\/[\w-]{43}$/m,
    );
    const unknown = await runKith(['owner', 'reset', 'Nobody'], { cwd: dir.path, env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No owner has this name.');
  });

  it('explains its usage when the verb or name is missing', async () => {
    const { code, stderr } = await runKith(['owner', 'create'], { cwd: dir.path, env });
    expect(code).toBe(2);
    expect(stderr).toContain('owner create --name NAME');
  });
});
