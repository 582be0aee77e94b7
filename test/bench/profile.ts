/**
 * Where the time goes on the redeem path (issue 6, benchmark 2): seeds a
 * vault, serves it as one `kith serve` process under `node --cpu-prof`,
 * drives redeems at maximum load, stops it cleanly (the profile is written on
 * exit) and prints the top self-time functions and the self time per
 * package, parsed from the .cpuprofile here.
 *
 *   pnpm bench --profile [--postgres]
 *   tsx test/bench/profile.ts [--postgres]
 *
 * The raw profile is kept (its path is printed) for Chrome DevTools or speedscope.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchDatabases,
  cleanupAll,
  DEFAULT_OPTIONS,
  drive,
  makeProofPool,
  repoRoot,
  seedVault,
  startKith,
} from './redeem.bench.ts';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  share: number;
}

/** Shortens a frame's url to `pkg/file` or a repo-relative path. */
function shortUrl(url: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  return path.startsWith(repoRoot) ? path.slice(repoRoot.length) : path;
}

/** The package (or area) a frame belongs to: `jose`, `kysely`, `kith server`, `node:internal`, `(gc)`… */
function areaOf(node: CpuProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtin)';
  const short = shortUrl(url);
  const m = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(short);
  if (url.includes('/node_modules/') && m) return m[1] as string;
  if (url.startsWith('node:')) return 'node: internals';
  if (short.startsWith('server/')) return 'kith server';
  if (short.startsWith('schemas/')) return 'kith schemas';
  return short;
}

/**
 * Self time per function (name + url + line) and per area. Each sample's
 * interval (`timeDeltas`) is charged to the node it landed in; without
 * samples, `hitCount` × the mean interval.
 */
export function selfTimes(
  profile: CpuProfile,
  options: { skipMs?: number } = {},
): { functions: SelfTime[]; areas: SelfTime[]; totalMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    // timeDeltas[i] is the gap before sample i: charge it to the sample before.
    // Samples in the first `skipMs` (start-up, module loading, warm-up) are left out.
    let elapsedUs = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      const id = profile.samples[i] as number;
      elapsedUs += profile.timeDeltas[i] ?? 0;
      if (elapsedUs < (options.skipMs ?? 0) * 1000) continue;
      const dt = profile.timeDeltas[i + 1] ?? 0;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
    }
  } else {
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    const interval = hits ? (profile.endTime - profile.startTime) / hits : 0;
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * interval);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, SelfTime>();
  const area = new Map<string, SelfTime>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name}\u0000${where}`;
    const f = fn.get(key) ?? { name, where, ms: 0, share: 0 };
    f.ms += us / 1000;
    fn.set(key, f);
    const a = areaOf(node);
    const e = area.get(a) ?? { name: a, where: '', ms: 0, share: 0 };
    e.ms += us / 1000;
    area.set(a, e);
  }
  const finish = (m: Map<string, SelfTime>) =>
    [...m.values()]
      .map((x) => ({ ...x, share: total ? x.ms / (total / 1000) : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return { functions: finish(fn), areas: finish(area), totalMs: total / 1000 };
}

export function renderSelfTimes(result: ReturnType<typeof selfTimes>, top = 30): string {
  const busy = result.functions.filter((f) => f.name !== '(idle)').reduce((s, f) => s + f.ms, 0);
  const lines = [
    `Profiled ${(result.totalMs / 1000).toFixed(1)} s, of which ${(busy / 1000).toFixed(1)} s not idle. Shares are of non-idle time.`,
    '',
    '| # | self ms | share | function | where |',
    '|---:|---:|---:|---|---|',
  ];
  const share = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`;
  result.functions
    .filter((f) => f.name !== '(idle)')
    .slice(0, top)
    .forEach((f, i) => {
      lines.push(`| ${i + 1} | ${f.ms.toFixed(0)} | ${share(f.ms)} | \`${f.name}\` | ${f.where} |`);
    });
  lines.push('', '| area | self ms | share |', '|---|---:|---:|');
  for (const a of result.areas.filter((x) => x.name !== '(idle)'))
    lines.push(`| ${a.name} | ${a.ms.toFixed(0)} | ${share(a.ms)} |`);
  return lines.join('\n');
}

export async function runProfile(options: {
  kind: 'sqlite' | 'postgres';
  seconds?: number;
}): Promise<string> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const seconds = options.seconds ?? 10;
  const workDir = mkdtempSync(join(tmpdir(), 'kith-profile-'));
  const profDir = join(workDir, 'cpuprofile');
  try {
    const url = (await benchDatabases(options.kind, ['profile'], workDir, log))?.profile;
    if (!url) throw new Error('PostgreSQL binaries not found');
    log(`seeding ${options.kind}…`);
    const seeded = await seedVault(options.kind, url, {
      owners: DEFAULT_OPTIONS.owners,
      vendors: DEFAULT_OPTIONS.vendors,
    });
    const spawnedAt = performance.now();
    const kith = await startKith(seeded, 1, workDir, {
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
    });
    let rps = 0;
    let skipMs = 0;
    try {
      // Warm up (JIT, caches) before the part that matters; the profile covers both.
      const warm = await drive(kith.targets, {
        seconds: 3,
        connections: 50,
        pool: await makeProofPool(seeded, 12_000),
      });
      // The warm-up runs colder than the run after it: a pool well past its rate.
      const pool = await makeProofPool(seeded, Math.ceil(Math.max(warm.rps * 2, 400) * seconds) + 500);
      // Only the measured run is tabled: start-up and warm-up samples are skipped.
      skipMs = performance.now() - spawnedAt;
      const run = await drive(kith.targets, { seconds, connections: 50, pool });
      rps = run.rps;
      log(
        `  ${run.rps.toFixed(0)} req/s ok, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, failed ${run.failed}`,
      );
    } finally {
      await kith.stop();
    }
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the server wrote no .cpuprofile (did it exit cleanly?)');
    const kept = join(tmpdir(), `kith-redeem-${options.kind}-${Date.now()}.cpuprofile`);
    copyFileSync(join(profDir, file), kept);
    const profile = JSON.parse(readFileSync(kept, 'utf8')) as CpuProfile;
    const table = `CPU profile of \`kith serve\` (${options.kind}, one process) during ${seconds} s of redeem load at ${rps.toFixed(0)} req/s (start-up and warm-up, the first ${(skipMs / 1000).toFixed(1)} s, left out). Raw profile: ${kept}\n\n${renderSelfTimes(selfTimes(profile, { skipMs }))}`;
    log(`\n${table}`);
    return table;
  } finally {
    await cleanupAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runProfile({ kind: process.argv.includes('--postgres') ? 'postgres' : 'sqlite' })
    .then(() => process.exit(0))
    .catch(async (error: unknown) => {
      process.stderr.write(`profile failed: ${(error as Error).stack ?? String(error)}\n`);
      await cleanupAll();
      process.exit(1);
    });
}
