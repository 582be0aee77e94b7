/**
 * `pnpm bench` — the benchmarks of issue 6. Prints figures; never fails on speed.
 *
 *   pnpm bench                      redeem: SQLite and PostgreSQL, one and two processes, vs a bare Hono ceiling
 *   pnpm bench --quick              a short smoke run (SQLite only, 2 s runs)
 *   pnpm bench --sqlite | --postgres  one database only
 *   pnpm bench --profile [--postgres] a CPU profile of the redeem path and its top self-time functions
 *
 * The whole run is bounded: after KITH_BENCH_TIMEOUT_S (default 900 s) every
 * child is killed and it exits 1.
 */

import { runProfile } from './profile.ts';
import { type BenchOptions, cleanupAll, DEFAULT_OPTIONS, runRedeemBench } from './redeem.bench.ts';

const args = new Set(process.argv.slice(2));
const limitMs = Number(process.env.KITH_BENCH_TIMEOUT_S ?? 900) * 1000;
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
  if (args.has('--profile')) {
    await runProfile({ kind: args.has('--postgres') ? 'postgres' : 'sqlite' });
  } else {
    const options: BenchOptions = { ...DEFAULT_OPTIONS };
    if (args.has('--quick'))
      Object.assign(options, { owners: 10, vendors: 2, seconds: 2, warmupSeconds: 1, databases: ['sqlite'] });
    if (args.has('--sqlite')) options.databases = ['sqlite'];
    if (args.has('--postgres')) options.databases = ['postgres'];
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
