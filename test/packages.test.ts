import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.ts';
import { installNpmRuntime } from './support/npm-runtime.ts';
import { createTempDir, type TempDir } from './support/temp-dir.ts';

// What vendors install: both packages built, packed with pnpm (which rewrites `workspace:*` and applies
// publishConfig), installed with npm into an empty project, then imported, run and type-checked there.

const BUN_VERSION = '1.4.5';
const DENO_VERSION = '2.9.6';
const fixtures = join(repoRoot, 'test', 'package-consumer');
const tscEntry = createRequire(join(repoRoot, 'package.json')).resolve('typescript/bin/tsc');

function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return String(result.stdout);
}

// pnpm as this run was started (`pnpm test`), else the one on PATH.
function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  return execPath && /pnpm/.test(execPath)
    ? run(process.execPath, [execPath, ...args], { cwd })
    : run('pnpm', args, { cwd });
}

function binOf(pkg: string, bin: string): string {
  const manifestPath = join(repoRoot, 'test', 'node_modules', pkg, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: Record<string, string> };
  return join(manifestPath, '..', manifest.bin[bin] as string);
}

interface SmokeResult {
  clientId: string;
  metadataKeys: number;
  publicKid: string;
  dpopTyp: string;
  dpopKid: string | null;
  dpopHasPrivate: boolean;
  webhook: [string, string, string];
  tampered: string;
  schemaParses: boolean;
  fields: number;
}

function expectSmoke(stdout: string): void {
  const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as SmokeResult;
  expect(result).toMatchObject({
    clientId: 'https://shop.example/.well-known/kith-client.json',
    metadataKeys: 1,
    dpopTyp: 'dpop+jwt',
    dpopHasPrivate: false,
    webhook: ['grant.revoked', 'https://vault.example', 'grt_1'],
    tampered: 'WEBHOOK_SIGNATURE_INVALID',
    schemaParses: true,
  });
  expect(result.dpopKid).toBe(result.publicKid);
  expect(result.fields).toBeGreaterThan(10);
}

// Each check spawns a compiler or a runtime on a small shared machine: minutes, not seconds, are fair.
describe('the packages vendors install', { timeout: 300_000 }, () => {
  let work: TempDir;
  let project: string;
  const tarballs: Record<'client' | 'schemas', string> = { client: '', schemas: '' };

  beforeAll(() => {
    work = createTempDir('kith-packages-');
    pnpm(['build'], repoRoot);
    for (const dir of ['schemas', 'client-sdk']) {
      pnpm(['pack', '--pack-destination', work.path], join(repoRoot, dir));
    }
    const packed = readdirSync(work.path);
    tarballs.schemas = join(work.path, packed.find((f) => f.startsWith('kith-schemas-')) as string);
    tarballs.client = join(work.path, packed.find((f) => f.startsWith('kith-client-')) as string);

    project = join(work.path, 'vendor-app');
    run('mkdir', [project]);
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'vendor-app', private: true, type: 'module' })}\n`,
    );
    // Registry only for jose and zod; --prefer-offline reuses npm's cache on later runs.
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', tarballs.schemas, tarballs.client],
      { cwd: project },
    );
    for (const file of ['smoke.mjs', 'consumer.ts']) copyFileSync(join(fixtures, file), join(project, file));
  }, 600_000);

  afterAll(async () => {
    await work?.cleanup();
  });

  it('ship JavaScript, declarations, LICENSE and README — no sources, tests or examples', () => {
    for (const [name, tarball] of Object.entries(tarballs)) {
      const files = run('tar', ['tzf', tarball]).trim().split('\n');
      expect(files, name).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md']));
      expect(files, name).toContain('package/dist/index.js');
      expect(files, name).toContain('package/dist/index.d.ts');
      expect(
        files.filter(
          (f) => /\.test\.|\/src\/|examples\/|test-support\/|\.ts$/.test(f) && !f.endsWith('.d.ts'),
        ),
      ).toEqual([]);
    }
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules', '@kith', 'client', 'package.json'), 'utf8'),
    );
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(manifest.dependencies['@kith/schemas']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest).toMatchObject({ sideEffects: false, engines: { node: expect.any(String) } });
  });

  it('run under plain node', () => {
    expectSmoke(run(process.execPath, ['smoke.mjs'], { cwd: project }));
  });

  for (const [runtime, version] of [
    ['bun', BUN_VERSION],
    ['deno', DENO_VERSION],
  ] as const) {
    it(`run under ${runtime} ${version} (its npm package carries the binary)`, (context) => {
      const binary = installNpmRuntime(runtime, version);
      if (!binary) {
        if (process.env.CI === 'true')
          throw new Error(`${runtime}@${version} could not be installed and CI=true`);
        console.warn(`*** ${runtime}@${version} could not be installed from npm: this check is SKIPPED. ***`);
        context.skip();
        return;
      }
      const args = runtime === 'bun' ? ['smoke.mjs'] : ['run', '--quiet', '--no-prompt', 'smoke.mjs'];
      const env = { ...process.env, DENO_DIR: join(work.path, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1' };
      expectSmoke(run(binary, args, { cwd: project, env }));
    });
  }

  for (const resolution of ['node16', 'bundler'] as const) {
    it(`type-check a vendor's code with tsc, moduleResolution ${resolution}`, () => {
      const tsconfig = `tsconfig.${resolution}.json`;
      writeFileSync(
        join(project, tsconfig),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2023', 'DOM'],
            module: resolution === 'node16' ? 'node16' : 'esnext',
            moduleResolution: resolution,
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            types: [],
          },
          files: ['consumer.ts'],
        }),
      );
      run(process.execPath, [tscEntry, '-p', tsconfig], { cwd: project });
    });
  }

  it('pass publint, strictly', () => {
    for (const tarball of Object.values(tarballs)) {
      const out = run(process.execPath, [binOf('publint', 'publint'), 'run', tarball, '--strict']);
      expect(out).toContain('All good!');
    }
  });

  it('pass @arethetypeswrong/cli for ESM', () => {
    for (const tarball of Object.values(tarballs)) {
      run(process.execPath, [binOf('@arethetypeswrong/cli', 'attw'), tarball, '--profile', 'esm-only']);
    }
  });
});
