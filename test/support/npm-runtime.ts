import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A JavaScript runtime whose npm package carries its binary (`bun`, `deno`), installed with npm into a
 * directory under the OS temp dir keyed by name and version, so later runs reuse it. Answers the binary's
 * path, or `undefined` when it cannot be installed (no registry): the caller skips loudly, or fails under
 * `CI=true`.
 *
 * @example
 * const bun = installNpmRuntime('bun', '1.4.5'); // …/kith-runtimes/bun@1.4.5/node_modules/.bin/bun
 */
export function installNpmRuntime(name: 'bun' | 'deno', version: string): string | undefined {
  const dir = join(tmpdir(), 'kith-runtimes', `${name}@${version}`);
  const binary = join(dir, 'node_modules', '.bin', name);
  if (existsSync(binary) && runs(binary)) return binary;

  // Installed beside, then renamed into place: a run killed half-way leaves no broken cache behind.
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), '{ "private": true }\n');
  const install = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `${name}@${version}`],
    { cwd: staging, encoding: 'utf8', timeout: 300_000 },
  );
  const stagedBinary = join(staging, 'node_modules', '.bin', name);
  if (install.status !== 0 || !runs(stagedBinary)) {
    rmSync(staging, { recursive: true, force: true });
    return undefined;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return binary;
}

function runs(binary: string): boolean {
  return spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 }).status === 0;
}
