/**
 * `pnpm bench` — the benchmarks of issue 6. Prints figures; never fails on speed.
 *
 *   pnpm bench                      redeem: SQLite and PostgreSQL, one and two processes, vs a bare Hono ceiling;
 *                                   CPU per redeem of Kith and of PostgreSQL (its backends, from /proc), and
 *                                   Kith + PostgreSQL CPU ÷ SQLite CPU
 *   pnpm bench --quick              a short smoke run (SQLite only unless named, 2 s runs)
 *   pnpm bench --sqlite | --postgres  one database only (both flags: both)
 *   pnpm bench --profile [--postgres] a CPU profile of the redeem path and its top self-time functions
 *   pnpm bench --scale [--quick] [--sqlite | --postgres] [--owners N --vendors N --grants N --log-rows N]
 *                                   redeem on an empty database vs one of 10,000 owners, 1M grants, 10M log rows
 *   pnpm bench --fanout [--quick] [--sqlite | --postgres] [--vendors N] [--cpu-prof]
 *                                   one profile change held by 10,000 vendors: time until every webhook arrived
 *   pnpm bench --compare REF [--rounds N] [--postgres]
 *                                   redeem on one SQLite (or PostgreSQL) process: this checkout against git revision REF, alternating rounds
 *   pnpm bench --seed DATABASE_URL [--owners N --vendors N --grants N --log-rows N]
 *                                   only seed a database (test/bench/seed.ts), KITH_MASTER_KEY or a new key
 *
 * The whole run is bounded: after KITH_BENCH_TIMEOUT_S (default 900 s; 3600 s
 * with --scale, whose seeding takes minutes per database) every child is
 * killed and it exits 1.
 */

import { DEFAULT_COMPARE_OPTIONS, runCompareBench } from './compare.bench.ts';
import { DEFAULT_FANOUT_OPTIONS, type FanoutOptions, runFanoutBench } from './fanout.bench.ts';
import { runProfile } from './profile.ts';
import { type BenchOptions, cleanupAll, DEFAULT_OPTIONS, runRedeemBench } from './redeem.bench.ts';
import { DEFAULT_SCALE_OPTIONS, runScaleBench, type ScaleOptions } from './scale.bench.ts';
import { parseSeedSizes, seedCommand } from './seed.ts';

const argv = process.argv.slice(2);
const args = new Set(argv);
const limitMs = Number(process.env.KITH_BENCH_TIMEOUT_S ?? (args.has('--scale') ? 3600 : 900)) * 1000;
const watchdog = setTimeout(async () => {
  process.stderr.write(`bench: still running after ${limitMs / 1000} s, stopping everything\n`);
  await cleanupAll();
  process.exit(1);
}, limitMs);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, async () => {
    await cleanupAll();
    process.exit(130);
  });

let code = 0;
try {
  // --sqlite, --postgres, or both (e.g. `--quick --sqlite --postgres`): the databases named; none named: `all`.
  const databases = (all: Array<'sqlite' | 'postgres'>): Array<'sqlite' | 'postgres'> => {
    const named = (['sqlite', 'postgres'] as const).filter((kind) => args.has(`--${kind}`));
    return named.length > 0 ? named : all;
  };
  if (args.has('--profile')) {
    await runProfile({ kind: args.has('--postgres') ? 'postgres' : 'sqlite' });
  } else if (args.has('--compare')) {
    const ref = argv[argv.indexOf('--compare') + 1];
    if (!ref || ref.startsWith('--'))
      throw new Error('--compare needs a git revision, e.g. --compare HEAD~3');
    const rounds = args.has('--rounds')
      ? Number(argv[argv.indexOf('--rounds') + 1])
      : DEFAULT_COMPARE_OPTIONS.rounds;
    if (!Number.isInteger(rounds) || rounds < 1)
      throw new Error('--rounds needs a whole number of at least 1');
    const kind = args.has('--postgres') ? 'postgres' : 'sqlite';
    await runCompareBench({ ...DEFAULT_COMPARE_OPTIONS, ref, rounds, kind });
  } else if (args.has('--seed')) {
    code = await seedCommand(argv);
  } else if (args.has('--scale')) {
    const options: ScaleOptions = { ...DEFAULT_SCALE_OPTIONS };
    if (args.has('--quick'))
      Object.assign(options, {
        sizes: { owners: 1_000, vendors: 100, grants: 100_000, logRows: 1_000_000 },
        databases: ['sqlite'],
        seconds: 5,
        warmupSeconds: 2,
        rounds: 1,
      });
    options.sizes = parseSeedSizes(argv, options.sizes);
    options.databases = databases(options.databases);
    await runScaleBench(options);
  } else if (args.has('--fanout')) {
    const options: FanoutOptions = { ...DEFAULT_FANOUT_OPTIONS };
    if (args.has('--quick')) Object.assign(options, { vendors: 500, databases: ['sqlite'] });
    options.cpuProfile = args.has('--cpu-prof');
    options.vendors = parseSeedSizes(argv, {
      ...DEFAULT_SCALE_OPTIONS.sizes,
      vendors: options.vendors,
    }).vendors;
    options.databases = databases(options.databases);
    await runFanoutBench(options);
  } else {
    const options: BenchOptions = { ...DEFAULT_OPTIONS };
    if (args.has('--quick'))
      Object.assign(options, { owners: 10, vendors: 2, seconds: 2, warmupSeconds: 1, databases: ['sqlite'] });
    options.databases = databases(options.databases);
    await runRedeemBench(options);
  }
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  code = 1;
} finally {
  await cleanupAll();
  clearTimeout(watchdog);
}
process.exit(code);
