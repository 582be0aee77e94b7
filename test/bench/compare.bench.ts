/**
 * `pnpm bench --compare REF [--postgres]`: the redeem on one process, this checkout
 * against git revision REF, in alternating rounds on one seeded vault, with
 * the bare-route ceiling measured in the same run. On a shared machine the
 * figures of two separate runs drift more than most changes move them;
 * rounds that alternate within one run do not.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BenchOptions,
  benchDatabases,
  benchWorkDir,
  DEFAULT_OPTIONS,
  measure,
  median,
  onCleanup,
  type Row,
  repoRoot,
  seedVault,
  startBare,
  startKith,
} from './redeem.bench.ts';

export interface CompareOptions extends BenchOptions {
  /** The git revision to measure against this checkout. */
  ref: string;
  /** Rounds of the pair (REF, this checkout). */
  rounds: number;
  /** The database both servers run on. */
  kind: 'sqlite' | 'postgres';
}

export const DEFAULT_COMPARE_OPTIONS: Omit<CompareOptions, 'ref'> = {
  ...DEFAULT_OPTIONS,
  seconds: 8,
  warmupSeconds: 2,
  rounds: 3,
  kind: 'sqlite',
};

/** Checks REF out beside the work dir, installed from pnpm's store, removed at cleanup. */
function checkOut(ref: string, workDir: string, log: (line: string) => void): string {
  const dir = join(workDir, 'ref');
  execFileSync('git', ['worktree', 'add', '--detach', dir, ref], { cwd: repoRoot, stdio: 'ignore' });
  onCleanup(() => {
    execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: repoRoot, stdio: 'ignore' });
  });
  log(`installing ${ref} in ${dir}…`);
  try {
    execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline'], { cwd: dir, stdio: 'ignore' });
  } catch {
    execFileSync('pnpm', ['install', '--frozen-lockfile'], { cwd: dir, stdio: 'inherit' });
  }
  // Both servers run on one database, so both must know the same migrations.
  const migrations = (root: string) => readdirSync(join(root, 'server/src/db/migrations')).sort().join('\n');
  if (migrations(dir) !== migrations(repoRoot))
    throw new Error(
      `${ref} has other migrations than this checkout: compare only changes that share a schema`,
    );
  return dir;
}

export async function runCompareBench(options: CompareOptions): Promise<string> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const workDir = benchWorkDir('kith-compare-', log);
  const sides = [
    { name: options.ref, root: checkOut(options.ref, workDir, log) },
    { name: 'this checkout', root: repoRoot },
  ];
  const url = (await benchDatabases(options.kind, ['compare'], workDir, log))?.compare;
  if (!url) throw new Error(`no ${options.kind} database to compare on`);
  log(`seeding ${options.kind}: ${options.owners} owners × ${options.vendors} vendors through the SDK…`);
  const seeded = await seedVault(options.kind, url, options);

  log('bare Hono route, 1 process:');
  const bare = await startBare(seeded.sampleBody, 1, workDir);
  const ceiling = await measure('bare Hono route (ceiling)', 1, bare, options, null, log).finally(() =>
    bare.stop(),
  );

  const rows = new Map<string, Row[]>(sides.map((side) => [side.name, []]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const side of sides) {
      log(`round ${round}, redeem on ${options.kind} by ${side.name}:`);
      const kith = await startKith(seeded, 1, workDir, { root: side.root });
      try {
        rows.get(side.name)?.push(await measure(side.name, 1, kith, options, seeded, log));
      } finally {
        await kith.stop();
      }
    }
  }

  const c = ceiling.max.rps;
  const lines = [
    `Run ${new Date().toISOString()}: one ${options.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} process, ${options.rounds} alternating rounds of ${options.seconds} s; ceiling ${c.toFixed(0)} req/s (bare Hono route, same run).`,
    '',
    '| server | redeems/s (each round) | × ceiling (median) | server CPU µs/req | of which event loop | PostgreSQL CPU µs/req | p99 ms at half load | server CPU µs/req at half load |',
    '|---|---|---:|---|---|---|---|---|',
  ];
  const each = (list: Row[], pick: (r: Row) => number) => list.map((r) => pick(r).toFixed(0)).join(' / ');
  for (const side of sides) {
    const list = rows.get(side.name) ?? [];
    lines.push(
      `| ${side.name} | ${each(list, (r) => r.max.rps)} | ${((100 * median(list.map((r) => r.max.rps))) / c).toFixed(1)}% | ${each(list, (r) => r.cpuPerRequestUs)} | ${each(list, (r) => r.loopCpuPerRequestUs)} | ${options.kind === 'postgres' ? each(list, (r) => r.databaseCpuPerRequestUs ?? Number.NaN) : '—'} | ${list.map((r) => r.half.p99.toFixed(1)).join(' / ')} | ${each(list, (r) => r.halfCpuPerRequestUs)} |`,
    );
  }
  const [before, after] = sides.map((side) => median((rows.get(side.name) ?? []).map((r) => r.max.rps)));
  const cpu = (name: string) =>
    median((rows.get(name) ?? []).map((r) => r.cpuPerRequestUs + (r.databaseCpuPerRequestUs ?? 0)));
  lines.push(
    '',
    `this checkout ÷ ${options.ref}, median redeems/s: ${((after as number) / (before as number)).toFixed(2)}×`,
    `this checkout ÷ ${options.ref}, median CPU per redeem (${options.kind === 'postgres' ? 'Kith + PostgreSQL' : 'Kith'}): ${(cpu('this checkout') / cpu(options.ref)).toFixed(2)}×`,
  );
  const table = lines.join('\n');
  log(`\n${table}`);
  return table;
}
