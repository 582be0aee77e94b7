/**
 * Redeem throughput against the size of the database (issue 6: "redeem
 * throughput at that size within 15% of the empty database"), run with tsx
 * (`pnpm bench --scale`), never by Vitest and never in CI; it prints figures
 * and never fails on speed.
 *
 * For each database (SQLite, then PostgreSQL from a throwaway cluster), two
 * databases side by side:
 *   - "empty": migrated, nothing else;
 *   - "big": 10,000 owners, 1,000,000 grants and 10,000,000 access-log rows
 *     written by the seeding tool (test/bench/seed.ts; sizes adjustable).
 * Both then get the same redeeming owners and grants through the real SDK
 * (redeem.bench.ts's seedVault), so both runs redeem the same number of
 * grants the same way; only what else the tables hold differs. One
 * `kith serve` at a time, empty and big alternating for `rounds` rounds (so
 * drift on these shared machines hits both alike): a warm-up, then a run at
 * maximum load with a fresh DPoP proof per request.
 *
 * Why size should not matter: every query of a redeem goes by key —
 * `grants` by id, `owners` by id, `profile_fields` by (owner_id, path), the
 * access-log append at (owner_id, seq) with its secondary index
 * (owner_id, client_id, seq), `dpop_proof_jtis` by (expires_at, hash) —
 * so each costs a B-tree descent, a level deeper at most.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import pg from 'pg';
import {
  benchDatabases,
  benchWorkDir,
  drive,
  type LoadResult,
  makeProofPool,
  median as medianOf,
  type SeededVault,
  type Served,
  seedVault,
  startKith,
} from './redeem.bench.ts';
import { DEFAULT_SEED_SIZES, describeSeed, type SeedSizes, seedBulk } from './seed.ts';

export interface ScaleOptions {
  /** What the big database holds besides the redeeming grants. */
  sizes: SeedSizes;
  databases: Array<'sqlite' | 'postgres'>;
  /** Redeeming owners × vendors, seeded through the SDK into both databases. */
  owners: number;
  vendors: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  /** Empty, big, empty, big…: this many of each. */
  rounds: number;
}

export const DEFAULT_SCALE_OPTIONS: ScaleOptions = {
  sizes: DEFAULT_SEED_SIZES,
  databases: ['sqlite', 'postgres'],
  owners: 25,
  vendors: 4,
  seconds: 10,
  warmupSeconds: 3,
  connections: 50,
  rounds: 3,
};

interface Variant {
  name: 'empty' | 'big';
  seeded: SeededVault;
  /** Bytes on disk after seeding. */
  bytes: number;
  runs: LoadResult[];
}

export async function runScaleBench(options: ScaleOptions = DEFAULT_SCALE_OPTIONS): Promise<string> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const workDir = benchWorkDir('kith-scale-', log);
  const startedAt = new Date();
  const summaries: string[] = [];

  for (const kind of options.databases) {
    const urls = await benchDatabases(kind, ['empty', 'big'], workDir, log);
    if (!urls) continue;
    const variants: Variant[] = [];
    for (const name of ['empty', 'big'] as const) {
      const masterKey = randomBytes(32).toString('base64');
      const url = urls[name];
      if (name === 'big') {
        log(
          `seeding the big ${kind} database: ${options.sizes.owners} owners, ${options.sizes.vendors} vendors, ${options.sizes.grants} grants, ${options.sizes.logRows} access-log rows…`,
        );
        const report = await seedBulk({ databaseUrl: url, masterKey, sizes: options.sizes, log });
        log(`  ${describeSeed(report)}`);
      }
      const t = performance.now();
      const seeded = await seedVault(kind, url, { ...options, masterKey });
      log(
        `  ${name} ${kind}: ${seeded.grants.length} redeeming grants through the SDK in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      variants.push({ name, seeded, bytes: await databaseBytes(kind, url), runs: [] });
    }

    for (let round = 1; round <= options.rounds; round++) {
      for (const variant of variants) {
        log(`redeem on the ${variant.name} ${kind} database, round ${round}:`);
        const kith = await startKith(variant.seeded, 1, workDir);
        try {
          const run = await maxLoad(kith, variant.seeded, options, log);
          variant.runs.push(run);
        } finally {
          await kith.stop();
        }
      }
    }
    summaries.push(summarise(kind, variants));
  }

  const table = [
    `Run ${startedAt.toISOString()}, Node ${process.version}; one kith serve process, ${options.seconds} s at maximum load after a ${options.warmupSeconds} s warm-up, ` +
      `${options.connections} connections, a fresh DPoP proof per request, ${options.owners * options.vendors} redeeming grants in both databases; ` +
      `the big one also holds ${options.sizes.owners.toLocaleString('en')} owners, ${options.sizes.grants.toLocaleString('en')} grants and ${options.sizes.logRows.toLocaleString('en')} access-log rows. ` +
      `Empty and big alternate, ${options.rounds} round(s) each; medians over the rounds (* a run that outran its proof pool, so understated).`,
    'Issue 6 target: redeem throughput on the big database within 15% of the empty one (big/empty ≥ 0.85).',
    '',
    '| database | size on disk (empty → big) | req/s empty, median (rounds) | req/s big, median (rounds) | big / empty | p99 ms empty | p99 ms big |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...summaries,
  ].join('\n');
  log(`\n${table}`);
  return table;
}

let fastestSoFar = 0;

/** A warm-up, then a run at maximum load with a fresh proof per request. */
async function maxLoad(
  served: Served,
  seeded: SeededVault,
  options: ScaleOptions,
  log: (line: string) => void,
): Promise<LoadResult> {
  // Generous: a request past the pool reuses a spent proof and fails, which would understate the rate.
  const pool = (rate: number, seconds: number) => makeProofPool(seeded, Math.ceil(rate * seconds * 2) + 1000);
  const warm = await drive(served.targets, {
    seconds: options.warmupSeconds,
    connections: options.connections,
    pool: await pool(3000, options.warmupSeconds),
  });
  // A slow warm-up (the machine busy for a moment) must not starve the run: size it by the best rate seen yet.
  fastestSoFar = Math.max(fastestSoFar, warm.rps);
  const run = await drive(served.targets, {
    seconds: options.seconds,
    connections: options.connections,
    pool: await pool(Math.max(fastestSoFar, 300), options.seconds),
  });
  fastestSoFar = Math.max(fastestSoFar, run.rps);
  const statuses = Object.entries(run.statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  log(
    `    warm-up ${warm.rps.toFixed(0)} req/s; max ${run.rps.toFixed(0)} req/s ok, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, failed ${run.failed} [${statuses}]${run.exhausted ? `, ${run.exhausted} past the pool` : ''}`,
  );
  return run;
}

function summarise(kind: 'sqlite' | 'postgres', variants: Variant[]): string {
  const [empty, big] = variants as [Variant, Variant];
  const median = (runs: LoadResult[], pick: (r: LoadResult) => number) => medianOf(runs.map(pick));
  // A run whose proofs ran out understates its rate: marked with *.
  const rates = (v: Variant) => v.runs.map((r) => `${r.rps.toFixed(0)}${r.exhausted ? '*' : ''}`).join(', ');
  const ratio = median(big.runs, (r) => r.rps) / median(empty.runs, (r) => r.rps);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  return `| ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${mb(empty.bytes)} → ${mb(big.bytes)} | ${median(empty.runs, (r) => r.rps).toFixed(0)} (${rates(empty)}) | ${median(big.runs, (r) => r.rps).toFixed(0)} (${rates(big)}) | ${ratio.toFixed(2)} | ${median(empty.runs, (r) => r.p99).toFixed(2)} | ${median(big.runs, (r) => r.p99).toFixed(2)} |`;
}

async function databaseBytes(kind: 'sqlite' | 'postgres', url: string): Promise<number> {
  if (kind === 'sqlite') {
    const path = url.slice('sqlite:'.length);
    const size = (file: string) => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    };
    return size(path) + size(`${path}-wal`);
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database()) AS bytes',
    );
    return Number(rows[0]?.bytes ?? 0);
  } finally {
    await client.end();
  }
}
