import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from './support/cli.ts';
import { createTempDir, type TempDir } from './support/temp-dir.ts';

// Neither a container registry (for the base image) nor a container runtime is reachable from this
// project's machines, so the Dockerfile is tested by running its steps as a script in a temporary
// directory that stands for the image's filesystem (/src, /app and /data under it), and the systemd
// unit with `systemd-analyze verify`. README "Deploy" says so.

const dockerfile = readFileSync(`${repoRoot}deploy/Dockerfile`, 'utf8');
const dirs: TempDir[] = [];
afterAll(async () => {
  for (const dir of dirs) await dir.cleanup();
});

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Steps that set up the machine rather than Kith: this host has them already (CI installs them). */
const systemSetup = /^(apt-get |npm install -g |mkdir -p \/data && chown )/;

/** The context `COPY . .` sees: the checkout's files minus .dockerignore's patterns. */
function contextFiles(): string[] {
  const patterns = readFileSync(`${repoRoot}.dockerignore`, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => {
      const body = pattern
        .replace(/^\*\*\//, '')
        .replace(/\./g, '\\.')
        .replace(/\*/g, '[^/]*');
      return new RegExp(pattern.startsWith('**/') ? `(^|/)${body}(/|$)` : `^${body}(/|$)`);
    });
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file !== '' && existsSync(join(repoRoot, file)));
  return files.filter((file) => !patterns.some((p) => p.test(file)));
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('deploy/Dockerfile', () => {
  it('is multi-stage, runs as a non-root user, keeps the vault in a /data volume and checks /readyz', () => {
    const steps = instructions(dockerfile);
    expect(steps.filter((s) => s.op === 'FROM')).toHaveLength(2);
    const runtime = steps.slice(steps.findLastIndex((s) => s.op === 'FROM'));
    expect(runtime.find((s) => s.op === 'USER')?.args).toBe('node');
    expect(runtime.find((s) => s.op === 'VOLUME')?.args).toBe('/data');
    expect(runtime.find((s) => s.op === 'HEALTHCHECK')?.args).toContain('/readyz');
    expect(runtime.find((s) => s.op === 'CMD')?.args).toBe('["node", "server/dist/main.js", "serve"]');
    // Nothing but the compiled server and its production dependencies reaches the image.
    expect(runtime.filter((s) => s.op === 'COPY').every((s) => s.args.startsWith('--from=build '))).toBe(
      true,
    );
  });

  it('builds and runs when its steps run as a script: plain node serves, the HEALTHCHECK passes, SIGTERM stops it', async () => {
    const root = createTempDir('kith-image-');
    dirs.push(root);
    const at = (path: string) => join(root.path, path);
    /** The image's absolute paths, under the temporary root. */
    const mapPaths = (value: string) => value.replace(/(^|[\s:=])\/(src|app|data)\b/g, `$1${root.path}/$2`);
    const env: Record<string, string> = {};
    let cwd = root.path;
    let healthcheck: string[] = [];
    let command: string[] = [];
    const skipped: string[] = [];
    for (const { op, args } of instructions(dockerfile)) {
      switch (op) {
        case 'FROM':
          // A new stage starts from its base image: none of the last stage's environment.
          for (const key of Object.keys(env)) delete env[key];
          break;
        case 'WORKDIR':
          cwd = mapPaths(args);
          mkdirSync(cwd, { recursive: true });
          break;
        case 'ENV':
          for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g))
            env[key as string] = mapPaths(value as string);
          break;
        case 'COPY': {
          const from = /^--from=(\S+)\s+/.exec(args);
          const [source = '', target = ''] = args.replace(/^--from=\S+\s+/, '').split(/\s+/);
          const destination = join(cwd, target);
          if (!from) {
            expect(source).toBe('.');
            for (const file of contextFiles()) {
              mkdirSync(dirname(join(destination, file)), { recursive: true });
              cpSync(join(repoRoot, file), join(destination, file));
            }
          } else {
            mkdirSync(dirname(destination), { recursive: true });
            // pnpm's node_modules are symbolic links: copied as links, as COPY does.
            cpSync(mapPaths(source), destination, { recursive: true, verbatimSymlinks: true });
          }
          break;
        }
        case 'RUN': {
          if (systemSetup.test(args)) {
            skipped.push(args);
            break;
          }
          expect(args, 'a RUN step of the image uses no other absolute path').not.toMatch(
            /(^|\s)\/(?!dev\/null)/,
          );
          const run = spawnSync('sh', ['-e', '-c', args], {
            cwd,
            encoding: 'utf8',
            // This machine's node-gyp builds against the local headers (CI sets the same).
            env: { ...process.env, ...env, npm_config_prefer_offline: 'true', CI: 'true' },
          });
          expect(run.status, `RUN ${args}\n${run.stdout}\n${run.stderr}`).toBe(0);
          break;
        }
        case 'HEALTHCHECK':
          healthcheck = JSON.parse(args.slice(args.indexOf('CMD ') + 4)) as string[];
          break;
        case 'CMD':
          command = JSON.parse(args) as string[];
          break;
        case 'VOLUME':
          mkdirSync(mapPaths(args), { recursive: true });
          break;
      }
    }
    expect(skipped).toHaveLength(3); // apt-get, npm install -g pnpm, chown of /data: the machine's part
    // The image holds no TypeScript sources and no compiler, only what the server runs.
    expect(existsSync(at('app/server/dist/main.js'))).toBe(true);
    expect(existsSync(at('app/server/src'))).toBe(false);
    expect(existsSync(at('app/node_modules/.pnpm/typescript@5.9.3'))).toBe(false);

    const port = String(await freePort());
    // On loopback here; the image listens on every interface (KITH_HOST=0.0.0.0) for its port mapping.
    const runEnv = { ...process.env, ...env, KITH_PORT: port, KITH_HOST: '127.0.0.1' };
    const [program = '', ...programArgs] = command;
    const server = spawn(program, programArgs, { cwd: at('app'), env: runEnv });
    let output = '';
    server.stdout?.on('data', (chunk) => (output += chunk));
    server.stderr?.on('data', (chunk) => (output += chunk));
    const exited = waitForExit(server);
    try {
      let healthy = false;
      for (let i = 0; i < 300 && !healthy && server.exitCode === null; i++) {
        const [check = '', ...checkArgs] = healthcheck;
        healthy = spawnSync(check, checkArgs, { env: runEnv }).status === 0;
        if (!healthy) await new Promise((r) => setTimeout(r, 200));
      }
      expect(healthy, output).toBe(true);
      // The vault went to the /data volume, its key beside it.
      expect(existsSync(at('data/kith.sqlite'))).toBe(true);
      expect(existsSync(at('data/master.key'))).toBe(true);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 600_000);
});

describe('deploy/compose.yaml and deploy/compose.postgres.yaml', () => {
  const sqlite = readFileSync(`${repoRoot}deploy/compose.yaml`, 'utf8');
  const postgres = readFileSync(`${repoRoot}deploy/compose.postgres.yaml`, 'utf8');

  it('builds the Dockerfile and keeps the SQLite vault in a volume at /data, on loopback only', () => {
    expect(sqlite).toContain('dockerfile: deploy/Dockerfile');
    expect(sqlite).toMatch(/- kith-data:\/data$/m);
    expect(sqlite).toMatch(/- ["']127\.0\.0\.1:3000:3000["']$/m);
  });

  it('runs two Kith processes on one PostgreSQL with one master key', () => {
    expect(postgres).toMatch(/^ {2}kith-1:$/m);
    expect(postgres).toMatch(/^ {2}kith-2:$/m);
    expect(postgres).toMatch(/^ {2}postgres:\n {4}image: postgres:15$/m);
    const urls = postgres.match(/KITH_DATABASE_URL: .+$/gm) ?? [];
    expect(urls).toHaveLength(2);
    expect(new Set(urls).size).toBe(1);
    expect(urls[0]).toContain('@postgres:5432/kith');
    const keys = postgres.match(/KITH_MASTER_KEY_FILE: .+$/gm) ?? [];
    expect(new Set(keys)).toEqual(new Set(['KITH_MASTER_KEY_FILE: /run/secrets/kith_master_key']));
  });
});

describe('deploy/kith.service', () => {
  const unit = `${repoRoot}deploy/kith.service`;
  const analyze = spawnSync('systemd-analyze', ['--version']);
  const missing = analyze.error !== undefined;
  if (missing && process.env.CI !== 'true') {
    console.warn(
      '!!! deploy/kith.service checks SKIPPED: systemd-analyze not found (apt-get install -y systemd) !!!',
    );
  }

  it.skipIf(missing && process.env.CI !== 'true')('passes systemd-analyze verify', () => {
    const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(verify.error).toBeUndefined();
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it.skipIf(missing && process.env.CI !== 'true')(
    'is hardened: a dynamic user, its own state directory, a read-only system, no privileges to gain',
    () => {
      const text = readFileSync(unit, 'utf8');
      for (const line of [
        'DynamicUser=yes',
        'StateDirectory=kith',
        'ProtectSystem=strict',
        'NoNewPrivileges=yes',
        'ExecStart=/usr/bin/node /opt/kith/server/dist/main.js serve',
      ]) {
        expect(text).toMatch(new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
      }
      const security = spawnSync('systemd-analyze', ['security', '--offline=yes', unit], {
        encoding: 'utf8',
      });
      const exposure = Number(
        /Overall exposure level for kith\.service: ([\d.]+)/.exec(security.stdout)?.[1],
      );
      // systemd's own scale: below 2 is "OK"; a unit with no hardening scores 9.6.
      expect(exposure).toBeLessThan(2);
    },
  );
});
