/**
 * Redeem throughput and latency (issue 6, benchmarks 1 and 3), run with tsx
 * (`pnpm bench`), never by Vitest and never in CI; it prints figures and
 * never fails on speed.
 *
 * For each database (SQLite, then PostgreSQL from a throwaway cluster):
 *   1. seed N owners and M grants through the real SDK (vendors with real
 *      keys, requestGrant → approve → collectGrant) against an in-process
 *      vault on the database, then close it;
 *   2. start `kith serve` as a separate process (one, then two on different
 *      ports against the same database), audit logging on as always;
 *   3. drive `GET /v1/data` from this process with autocannon, every request
 *      carrying one of many distinct grants and a FRESH, never-used DPoP
 *      proof from a pool made just before each run (proofs are single-use and
 *      valid ±60 s): a warm-up, a run at maximum load, and a run capped at
 *      half that rate for its p99.
 * In the same run, a bare Hono route returning JSON of the same size (its own
 * process) gives the ceiling; every figure is printed also as a ratio of it,
 * because absolute numbers on these shared 2-core machines drift. Last, the
 * bare route is paced once more at SQLite's half-load rate, so the two
 * servers' CPU per request can also be compared at one rate.
 *
 * Traffic goes to 127.0.0.1 only; every phase is bounded in time; every child
 * process is stopped on the way out, whatever happens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createDpopProof, type SigningKey } from '@kith/client';
import autocannon from 'autocannon';
import pg from 'pg';
import { requestJson } from '../support/http.ts';
import { inPool } from '../support/load.ts';
import { findPostgresBinaries, freePort, startCluster } from '../support/postgres-cluster.ts';
import { openTestVault } from '../support/test-vault.ts';
import { startTestVendor, type TestVendor } from '../support/vendor.ts';
import { postgresCpuMs, registerCluster } from './database-cpu.ts';
import type { PacedOutcome, PacedPlan } from './paced-client.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchOptions {
  owners: number;
  vendors: number;
  /** Seconds of the measured runs (max load, then half load). Keep ≤ 20: proofs live ±60 s. */
  seconds: number;
  warmupSeconds: number;
  connections: number;
  databases: Array<'sqlite' | 'postgres'>;
  /** Also run two `kith serve` processes against one SQLite file (optional in the issue). */
  sqliteTwoProcesses: boolean;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  owners: 25,
  vendors: 4,
  seconds: 10,
  warmupSeconds: 3,
  connections: 50,
  databases: ['sqlite', 'postgres'],
  sqliteTwoProcesses: true,
};

// ─── children: every process we start is tracked and stopped on exit ─────────

const children = new Set<ChildProcess>();
const cleanups: Array<() => void | Promise<void>> = [];

/** Runs `cleanup` in `cleanupAll`, whichever benchmark started what it stops (a cluster, a work dir). */
export function onCleanup(cleanup: () => void | Promise<void>): void {
  cleanups.push(cleanup);
}

/**
 * A fresh directory for one benchmark's servers, logs and databases, removed
 * on the way out — unless KITH_BENCH_KEEP=1, which keeps it and says where.
 */
export function benchWorkDir(prefix: string, log: (line: string) => void): string {
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  if (process.env.KITH_BENCH_KEEP === '1') log(`work dir (kept): ${workDir}`);
  else onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  return workDir;
}

/**
 * Fresh databases of `kind` for one benchmark, one per name: SQLite files in
 * `workDir`, or databases `kith_NAME` in one throwaway PostgreSQL cluster
 * (stopped by `cleanupAll`). Null, said in the log, when PostgreSQL is not
 * installed.
 */
export async function benchDatabases<Name extends string>(
  kind: 'sqlite' | 'postgres',
  names: readonly Name[],
  workDir: string,
  log: (line: string) => void,
): Promise<Record<Name, string> | null> {
  const urls = {} as Record<Name, string>;
  if (kind === 'sqlite') {
    for (const name of names) urls[name] = `sqlite:${join(workDir, `${name}.sqlite`)}`;
    return urls;
  }
  const binaries = findPostgresBinaries();
  if (!binaries) {
    log('PostgreSQL binaries not found (apt-get install postgresql): PostgreSQL skipped.');
    return null;
  }
  const cluster = await startCluster(binaries);
  onCleanup(() => cluster.stop());
  registerCluster(cluster.url, cluster.dataDir);
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    for (const name of names) {
      await admin.query(`CREATE DATABASE kith_${name}`);
      const url = new URL(cluster.url);
      url.pathname = `/kith_${name}`;
      urls[name] = url.toString();
    }
  } finally {
    await admin.end();
  }
  return urls;
}

/** Stops everything this harness started (idempotent). */
export async function cleanupAll(): Promise<void> {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()?.();
    } catch {
      // best effort on the way out
    }
  }
}
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

export interface Served {
  /** Where to send load, e.g. `http://127.0.0.1:PORT`. */
  targets: string[];
  /** The server processes, for their CPU time. */
  pids: number[];
  /** The database they serve from, for its CPU time (PostgreSQL). */
  databaseUrl?: string;
  stop(): Promise<void>;
}

async function waitHealthy(url: string, child: ChildProcess, logPath: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${url}: process exited with ${child.exitCode}; see ${logPath}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url}: no /healthz within ${timeoutMs} ms; see ${logPath}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Spawns `node [nodeArgs] --import tsx SCRIPT args`, output to a log file, and waits for /healthz. */
async function spawnNode(
  script: string,
  args: string[],
  options: {
    port: number;
    env: Record<string, string>;
    logPath: string;
    nodeArgs?: string[];
    /** The checkout whose `script` runs; this one by default. */
    root?: string;
  },
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KITH_')));
  const log = createWriteStream(options.logPath);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args], {
    cwd: options.root ?? repoRoot,
    env: { ...base, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  await waitHealthy(url, child, options.logPath);
  return {
    url,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      // A clean exit writes a --cpu-prof profile; give it time, then insist.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
    },
  };
}

/**
 * The bare Hono ceiling, as `count` processes on their own ports; or, with
 * `floor`, the same route checking each request's DPoP signature and
 * spending its `jti` durably (floor-server.ts).
 */
export async function startBare(
  body: string,
  count: number,
  workDir: string,
  options: { floor?: boolean } = {},
): Promise<Served> {
  const started: Array<{ url: string; pid: number; stop(): Promise<void> }> = [];
  const name = options.floor ? 'floor' : 'bare';
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    started.push(
      await spawnNode(
        `test/bench/${name}-server.ts`,
        options.floor ? [String(port), workDir] : [String(port)],
        {
          port,
          env: { BENCH_BODY: body },
          logPath: join(workDir, `${name}-${i}.log`),
        },
      ),
    );
  }
  return {
    targets: started.map((s) => s.url),
    pids: started.map((s) => s.pid),
    stop: async () => void (await Promise.all(started.map((s) => s.stop()))),
  };
}

export interface SeededVault {
  kind: 'sqlite' | 'postgres';
  databaseUrl: string;
  masterKey: string;
  /** The public origin every process claims (grants' `aud`, proofs' `htu`): `http://localhost:PORT`. */
  publicUrl: string;
  /** The port of that origin; the first server process listens on it. */
  publicPort: number;
  grants: Array<{ token: string; key: SigningKey }>;
  /** One redeem answer, exactly as served: the bare route answers the same JSON. */
  sampleBody: string;
}

/** Starts `count` `kith serve` processes on `seeded`'s database; the first on the public port. */
export async function startKith(
  seeded: SeededVault,
  count: number,
  workDir: string,
  options: {
    nodeArgs?: string[];
    /** Another checkout's server on the same database (pnpm bench --compare); this one's by default. */
    root?: string;
  } = {},
): Promise<Served> {
  const started: Array<{ url: string; pid: number; stop(): Promise<void> }> = [];
  try {
    // One after the other: each migrates (a no-op by then) before it serves.
    for (let i = 0; i < count; i++) {
      const port = i === 0 ? seeded.publicPort : await freePort();
      started.push(
        await spawnNode('server/src/main.ts', ['serve'], {
          port,
          nodeArgs: options.nodeArgs ?? [],
          root: options.root,
          logPath: join(workDir, `kith-${seeded.kind}-${count}p-${i}.log`),
          env: {
            KITH_DATABASE_URL: seeded.databaseUrl,
            KITH_MASTER_KEY: seeded.masterKey,
            KITH_PORT: String(port),
            KITH_HOST: '127.0.0.1',
            // Every process claims the same public origin, as behind a load balancer.
            KITH_PUBLIC_URL: seeded.publicUrl,
            KITH_DEV_ALLOW_LOCAL_VENDORS: 'true',
            KITH_LOG_LEVEL: 'info',
          },
        }),
      );
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    throw error;
  }
  return {
    targets: started.map((s) => s.url),
    pids: started.map((s) => s.pid),
    databaseUrl: seeded.databaseUrl,
    stop: async () => void (await Promise.all(started.map((s) => s.stop()))),
  };
}

// ─── seeding through the real SDK ────────────────────────────────────────────

const PROFILE = {
  name: 'Ada Lovelace',
  given_name: 'Ada',
  email: 'ada@example.com',
  phone_number: '+447700900123',
  address: {
    street_address: '12 St James Square',
    locality: 'London',
    postal_code: 'SW1Y 4JH',
    country: 'GB',
  },
};
const GRANTED = ['name', 'email', 'phone_number', 'address'] as const;

/**
 * Seeds `owners` owners, each granting every one of `vendors` vendors, through
 * the real SDK over real HTTP to an in-process vault on the database; closes it.
 */
export async function seedVault(
  kind: 'sqlite' | 'postgres',
  databaseUrl: string,
  options: Pick<BenchOptions, 'owners' | 'vendors'> & {
    /** The key of a database seeded before (test/bench/seed.ts); a new one by default. */
    masterKey?: string;
  },
): Promise<SeededVault> {
  const publicPort = await freePort();
  const publicUrl = `http://localhost:${publicPort}`;
  const masterKey = options.masterKey ?? randomBytes(32).toString('base64');
  const tv = await openTestVault(
    { kind, url: databaseUrl },
    {
      realClock: true,
      masterKey,
      env: {
        KITH_PUBLIC_URL: publicUrl,
        KITH_DEV_ALLOW_LOCAL_VENDORS: 'true',
        KITH_VENDOR_RATE_LIMIT_PER_MINUTE: '1000000',
        KITH_LOG_LEVEL: 'warn',
      },
    },
  );
  const server = serve({ fetch: tv.app.fetch, port: publicPort, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const vendors: TestVendor[] = [];
  try {
    for (let v = 0; v < options.vendors; v++)
      vendors.push(await startTestVendor({ vault: publicUrl, name: `Bench Shop ${v + 1}` }));
    const owners = await inPool(Array.from({ length: options.owners }), 8, async () => {
      const owner = await tv.signedInOwner();
      const res = await requestJson(tv.app, '/v1/me/profile', {
        method: 'PATCH',
        cookie: owner.cookie,
        json: PROFILE,
      });
      if (res.status !== 200) throw new Error(`seeding a profile: ${res.status} ${JSON.stringify(res.body)}`);
      return owner;
    });
    // One owner's approvals one after another (concurrent approvals for one owner on PostgreSQL
    // answered 500 in a first try: a finding for the fault tests, not something to benchmark here).
    const perOwner = await inPool(owners, 8, async (owner) => {
      const made: Array<{ token: string; key: SigningKey }> = [];
      for (const vendor of vendors) {
        const request = await vendor.client.requestGrant({
          fields: [...GRANTED],
          purpose: 'delivery',
          duration: '30d',
        });
        const approved = await requestJson(tv.app, `/v1/me/grant-requests/${request.id}/approve`, {
          method: 'POST',
          cookie: owner.cookie,
          json: { optionalFields: [], contact: true },
        });
        if (approved.status >= 300)
          throw new Error(`seeding: approve answered ${approved.status} ${JSON.stringify(approved.body)}`);
        const { grant } = await vendor.client.collectGrant({ requestId: request.id });
        made.push({ token: grant, key: vendor.key });
      }
      return made;
    });
    const grants = perOwner.flat();
    // One redeem, by hand, for the exact answer the bare route will mimic.
    const first = grants[0];
    if (!first) throw new Error('seeding made no grant');
    const dpop = await createDpopProof({
      key: first.key,
      htm: 'GET',
      htu: `${publicUrl}/v1/data`,
      accessToken: first.token,
      now: Date.now(),
    });
    const res = await fetch(`${publicUrl}/v1/data`, {
      headers: { authorization: `DPoP ${first.token}`, dpop },
    });
    const sampleBody = await res.text();
    if (res.status !== 200)
      throw new Error(`seeding: the sample redeem answered ${res.status} ${sampleBody}`);
    return { kind, databaseUrl, masterKey, publicUrl, publicPort, grants, sampleBody };
  } finally {
    await Promise.all(vendors.map((v) => v.stop()));
    (server as unknown as { closeAllConnections?(): void }).closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await tv.close();
  }
}

// ─── the load generator ──────────────────────────────────────────────────────

interface Credential {
  authorization: string;
  dpop: string;
}

/**
 * `count` (grant, fresh proof) pairs, grants taken round-robin, proofs made
 * now with the SDK. Each is used at most once.
 */
export async function makeProofPool(seeded: SeededVault, count: number): Promise<Credential[]> {
  const htu = `${seeded.publicUrl}/v1/data`;
  const pool: Credential[] = [];
  for (let start = 0; start < count; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - start) }, (_, i) => {
      const grant = seeded.grants[(start + i) % seeded.grants.length] as SeededVault['grants'][number];
      return createDpopProof({
        key: grant.key,
        htm: 'GET',
        htu,
        accessToken: grant.token,
        now: Date.now(),
      }).then((dpop) => ({ authorization: `DPoP ${grant.token}`, dpop }));
    });
    pool.push(...(await Promise.all(batch)));
  }
  return pool;
}

export interface LoadResult {
  seconds: number;
  requests: number;
  ok: number;
  /** Answers other than 2xx, plus socket errors and timeouts. */
  failed: number;
  /** Requests sent after the proof pool ran out (they reuse a spent proof and are refused). */
  exhausted: number;
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  /** The paced client's own lateness in writing requests, p99 (ms): its floor under every latency. */
  lateP99?: number;
}

/**
 * Drives `GET /v1/data` on every target at once for `seconds`, as fast as
 * they answer (autocannon, connections split evenly). Latencies are recorded per response here, so two targets merge
 * exactly. With `pool` null every request carries the same headers (the bare
 * route ignores them).
 */
export async function drive(
  targets: string[],
  options: {
    seconds: number;
    connections: number;
    pool: Credential[] | null;
    filler?: Credential;
  },
): Promise<LoadResult> {
  const pool = options.pool;
  let next = 0;
  let exhausted = 0;
  const filler = options.filler ?? { authorization: 'DPoP x', dpop: 'x' };
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let failed = 0;
  const instances = targets.map((url) => {
    let finish: (result: autocannon.Result) => void = () => {};
    let fail: (error: unknown) => void = () => {};
    const done = new Promise<autocannon.Result>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const options_: autocannon.Options = {
      url,
      connections: Math.max(1, Math.round(options.connections / targets.length)),
      duration: options.seconds,
      timeout: 10,
      requests: [
        {
          method: 'GET',
          path: '/v1/data',
          setupRequest: (req) => {
            let credential = filler;
            if (pool) {
              const picked = pool[next++];
              if (picked) credential = picked;
              else {
                exhausted++;
                credential = pool[(next - 1) % pool.length] ?? filler;
              }
            }
            return { ...req, headers: { ...req.headers, ...credential } };
          },
        },
      ],
    };
    const instance = autocannon(options_, (error, result) => (error ? fail(error) : finish(result)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
    return done;
  });
  const started = performance.now();
  const results = await Promise.all(instances);
  const seconds = (performance.now() - started) / 1000;
  for (const r of results) failed += r.errors + r.timeouts;
  return loadResult({ seconds, planned: options.seconds, latencies, statuses, failed, exhausted });
}

/** What a run measured, from its latencies and answers; only 2xx answers count as throughput. */
function loadResult(run: {
  seconds: number;
  /** The run's planned length: throughput is per planned second. */
  planned: number;
  latencies: number[];
  statuses: Record<string, number>;
  /** Socket errors and timeouts; non-2xx answers are added from `statuses`. */
  failed: number;
  exhausted: number;
  lateP99?: number;
}): LoadResult {
  let ok = 0;
  let failed = run.failed;
  for (const [status, n] of Object.entries(run.statuses)) {
    if (status.startsWith('2')) ok += n;
    else failed += n;
  }
  const latencies = [...run.latencies].sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return {
    seconds: run.seconds,
    requests: latencies.length,
    ok,
    failed,
    exhausted: run.exhausted,
    rps: ok / run.planned,
    p50: pct(50),
    p99: pct(99),
    statuses: run.statuses,
    ...(run.lateP99 === undefined ? {} : { lateP99: run.lateP99 }),
  };
}

/**
 * Offers `rate` requests per second evenly spread over time (open loop),
 * round-robin over `targets`, from a lean client in its own process
 * (paced-client.ts), each timed from when it was written.
 */
export async function drivePaced(
  targets: string[],
  options: { seconds: number; rate: number; pool: Credential[] | null },
): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kith-paced-'));
  try {
    const plan: PacedPlan = {
      targets,
      path: '/v1/data',
      rate: options.rate,
      seconds: options.seconds,
      headers: options.pool
        ? options.pool.map((c) => ({ authorization: c.authorization, dpop: c.dpop }))
        : null,
    };
    const planPath = join(dir, 'plan.json');
    writeFileSync(planPath, JSON.stringify(plan));
    const outcomePath = join(dir, 'outcome.json');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/bench/paced-client.ts', planPath, outcomePath],
      { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    children.add(child);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    children.delete(child);
    if (code !== 0) throw new Error(`the paced client exited with ${code}`);
    const outcome = JSON.parse(readFileSync(outcomePath, 'utf8')) as PacedOutcome;
    return loadResult({ ...outcome, planned: options.seconds });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Row {
  label: string;
  processes: number;
  max: LoadResult;
  half: LoadResult;
  /** Server CPU time per answered request during the maximum-load run, in µs. */
  cpuPerRequestUs: number;
  /** Of that, on the processes' main threads (the event loops). */
  loopCpuPerRequestUs: number;
  /** PostgreSQL's CPU time per answered request in the same run (its backends and helpers), in µs; null on SQLite. */
  databaseCpuPerRequestUs: number | null;
  /** Server CPU time per answered request during the half-load run, in µs. */
  halfCpuPerRequestUs: number;
}

/** The median of `values` (the mean of the middle two for an even count): the figure one disturbed round moves least. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Warm-up, a run at maximum load, and a run capped at half the rate just measured. */
export async function measure(
  label: string,
  processes: number,
  served: Served,
  options: BenchOptions,
  seeded: SeededVault | null,
  log: (line: string) => void,
): Promise<Row> {
  const pool = async (rate: number, seconds: number) => {
    if (!seeded) return null;
    const size = Math.ceil(rate * seconds * 1.3) + 500;
    const t = performance.now();
    const made = await makeProofPool(seeded, size);
    log(`    ${size} fresh proofs made in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return made;
  };
  // The first guess is generous; the warm-up's own rate sizes the rest.
  const warm = await drive(served.targets, {
    seconds: options.warmupSeconds,
    connections: options.connections,
    pool: await pool(seeded ? 4000 * processes : 0, options.warmupSeconds),
  });
  log(`    warm-up: ${warm.rps.toFixed(0)} req/s ok, ${warm.failed} failed, ${warm.exhausted} past the pool`);
  // A warm-up runs colder than the run after it (two processes: far colder), and a
  // run past its pool answers 401s that are not the server's: size it generously.
  const maxPool = await pool(Math.max(warm.rps * 3, seeded ? 3000 * processes : 0), options.seconds);
  const databaseCpu = () => (served.databaseUrl ? postgresCpuMs(served.databaseUrl) : null);
  const cpuBefore = cpuMs(served.pids);
  const loopBefore = cpuMs(served.pids, { mainThreads: true });
  const databaseBefore = databaseCpu();
  const max = await drive(served.targets, {
    seconds: options.seconds,
    connections: options.connections,
    pool: maxPool,
  });
  const perRequest = (ms: number) => usPerRequest(ms, max.requests);
  const cpuPerRequestUs = perRequest(cpuMs(served.pids) - cpuBefore);
  const loopCpuPerRequestUs = perRequest(cpuMs(served.pids, { mainThreads: true }) - loopBefore);
  const databaseAfter = databaseCpu();
  const databaseCpuPerRequestUs =
    databaseBefore === null || databaseAfter === null ? null : perRequest(databaseAfter - databaseBefore);
  log(
    `    max:  ${summary(max)}, server CPU ${cpuPerRequestUs.toFixed(0)} µs/request (event loop ${loopCpuPerRequestUs.toFixed(0)})` +
      (databaseCpuPerRequestUs === null
        ? ''
        : `, PostgreSQL CPU ${databaseCpuPerRequestUs.toFixed(0)} µs/request`),
  );
  const halfRate = Math.max(1, Math.round(max.rps / 2));
  // Offered evenly paced from a client process of its own (see drivePaced), the bare route too.
  const halfPool = await pool(halfRate, options.seconds);
  const halfCpuBefore = cpuMs(served.pids);
  const half = await drivePaced(served.targets, { seconds: options.seconds, rate: halfRate, pool: halfPool });
  const halfCpuPerRequestUs = usPerRequest(cpuMs(served.pids) - halfCpuBefore, half.requests);
  log(`    half (${halfRate}/s): ${summary(half)}, server CPU ${halfCpuPerRequestUs.toFixed(0)} µs/request`);
  return {
    label,
    processes,
    max,
    half,
    cpuPerRequestUs,
    loopCpuPerRequestUs,
    databaseCpuPerRequestUs,
    halfCpuPerRequestUs,
  };
}

/** The ceiling's CPU per request when offered no more than a redeem row's half-load rate (paced, same client). */
export interface EqualRateCeiling {
  rate: number;
  cpuPerRequestUs: number;
}

/**
 * The bare route paced at `rate`: per request, a server's CPU falls as its
 * load rises (more requests share each wake-up and each read of the
 * sockets), so the bare route at its own maximum costs less per request than
 * at a redeem's rate. This puts the ceiling at the redeem's pace.
 */
export async function measureCeilingAt(
  rate: number,
  sample: string,
  options: BenchOptions,
  workDir: string,
  log: (line: string) => void,
): Promise<EqualRateCeiling> {
  log(`bare Hono route, 1 process, paced at ${rate}/s (SQLite's half load):`);
  const bare = await startBare(sample, 1, workDir);
  try {
    await drive(bare.targets, {
      seconds: options.warmupSeconds,
      connections: options.connections,
      pool: null,
    });
    const before = cpuMs(bare.pids);
    const run = await drivePaced(bare.targets, { seconds: options.seconds, rate, pool: null });
    const cpuPerRequestUs = usPerRequest(cpuMs(bare.pids) - before, run.requests);
    log(`    paced: ${summary(run)}, server CPU ${cpuPerRequestUs.toFixed(0)} µs/request`);
    return { rate, cpuPerRequestUs };
  } finally {
    await bare.stop();
  }
}

/**
 * CPU time (user + system) the processes have used — every thread, or only
 * their main threads — from /proc: on a shared machine, CPU per request drifts far less than requests
 * per second do.
 */
function cpuMs(pids: number[], options: { mainThreads?: boolean } = {}): number {
  let ticks = 0;
  for (const pid of pids) {
    // A process's main thread is the task whose id is the process id.
    const stat = options.mainThreads ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
    const fields = readFileSync(stat, 'utf8').split(') ')[1]?.split(' ') ?? [];
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}
/** CPU milliseconds spent over `requests` answered requests, in µs each. */
function usPerRequest(ms: number, requests: number): number {
  return (ms * 1000) / Math.max(1, requests);
}
/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

function summary(r: LoadResult): string {
  const statuses = Object.entries(r.statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  return `${r.rps.toFixed(0)} req/s ok, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, failed ${r.failed} [${statuses}]${r.exhausted ? `, ${r.exhausted} past the pool` : ''}${r.lateP99 === undefined ? '' : `, client late p99 ${r.lateP99.toFixed(2)} ms`}`;
}

/** Distinct error lines (level ≥ 50) in the logs of one configuration, at most five. */
function serverErrors(workDir: string, prefix: string): string[] {
  const found = new Map<string, number>();
  for (const file of readdirSync(workDir).filter((f) => f.startsWith(prefix))) {
    for (const line of readFileSync(join(workDir, file), 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as {
          level?: number;
          msg?: string;
          err?: { message?: string; type?: string };
        };
        if ((entry.level ?? 0) < 50) continue;
        const key = `${entry.msg ?? ''} ${entry.err?.type ?? ''} ${entry.err?.message ?? ''}`
          .trim()
          .slice(0, 200);
        found.set(key, (found.get(key) ?? 0) + 1);
      } catch {
        // not a log line
      }
    }
  }
  return [...found].slice(0, 5).map(([k, n]) => `${n}× ${k}`);
}

/** The floor's row: the bare route plus the two things RFC 9449 asks of every read (floor-server.ts). */
const FLOOR_LABEL = 'floor: bare + DPoP signature + durable jti';

/**
 * CPU per redeem as ratios within the run, one process each: PostgreSQL's
 * (Kith's and PostgreSQL's own, counted together) over SQLite's (whose
 * database works inside Kith's process), and SQLite's over the bare route's.
 */
export function cpuRatios(rows: Row[], equalRate?: EqualRateCeiling): string[] {
  const one = (prefix: string) => rows.find((r) => r.label.startsWith(prefix) && r.processes === 1);
  const bare = one('bare');
  const floor = one(FLOOR_LABEL);
  const sqlite = one('redeem, SQLite');
  const postgres = one('redeem, PostgreSQL');
  const lines: string[] = [];
  if (postgres && sqlite && postgres.databaseCpuPerRequestUs !== null) {
    const both = postgres.cpuPerRequestUs + postgres.databaseCpuPerRequestUs;
    lines.push(
      `Kith + PostgreSQL CPU ÷ SQLite CPU, per redeem: ${(both / sqlite.cpuPerRequestUs).toFixed(2)}× ` +
        `(${postgres.cpuPerRequestUs.toFixed(0)} + ${postgres.databaseCpuPerRequestUs.toFixed(0)} µs against ${sqlite.cpuPerRequestUs.toFixed(0)} µs; ` +
        `Kith's alone ${(postgres.cpuPerRequestUs / sqlite.cpuPerRequestUs).toFixed(2)}×)`,
    );
  }
  if (sqlite && bare) {
    lines.push(
      `SQLite server CPU ÷ bare route CPU, per request: ${(sqlite.cpuPerRequestUs / bare.cpuPerRequestUs).toFixed(2)}×`,
    );
  }
  if (floor && bare) {
    lines.push(
      `The floor's server CPU ÷ bare route CPU, per request (reported): ${(floor.cpuPerRequestUs / bare.cpuPerRequestUs).toFixed(2)}× ` +
        `(${floor.cpuPerRequestUs.toFixed(0)} µs against ${bare.cpuPerRequestUs.toFixed(0)} µs)`,
    );
  }
  if (sqlite && floor) {
    lines.push(
      `SQLite server CPU ÷ the floor's, per request (reported): ${(sqlite.cpuPerRequestUs / floor.cpuPerRequestUs).toFixed(2)}× ` +
        `(${sqlite.cpuPerRequestUs.toFixed(0)} µs against ${floor.cpuPerRequestUs.toFixed(0)} µs)`,
    );
  }
  if (sqlite && equalRate) {
    lines.push(
      `The same at one rate, both paced at ${equalRate.rate}/s (reported, not the target): ` +
        `${(sqlite.halfCpuPerRequestUs / equalRate.cpuPerRequestUs).toFixed(2)}× ` +
        `(${sqlite.halfCpuPerRequestUs.toFixed(0)} µs against ${equalRate.cpuPerRequestUs.toFixed(0)} µs)`,
    );
  }
  return lines;
}

// ─── the whole benchmark ─────────────────────────────────────────────────────

export async function runRedeemBench(options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const workDir = benchWorkDir('kith-bench-', log);
  const rows: Row[] = [];
  const startedAt = new Date();

  const seeds: SeededVault[] = [];
  for (const kind of options.databases) {
    const url = (await benchDatabases(kind, ['redeem'], workDir, log))?.redeem;
    if (!url) continue;
    const t = performance.now();
    log(`seeding ${kind}: ${options.owners} owners × ${options.vendors} vendors through the SDK…`);
    const seeded = await seedVault(kind, url, options);
    log(
      `  ${seeded.grants.length} grants in ${((performance.now() - t) / 1000).toFixed(1)} s; a redeem answers ${Buffer.byteLength(seeded.sampleBody)} bytes`,
    );
    seeds.push(seeded);
  }
  const sample = seeds[0]?.sampleBody;
  if (!sample) throw new Error('nothing was seeded');

  // The ceiling, first and in the same run.
  for (const processes of [1, 2]) {
    log(`bare Hono route, ${processes} process${processes > 1 ? 'es' : ''}:`);
    const bare = await startBare(sample, processes, workDir);
    try {
      rows.push(await measure(`bare Hono route (ceiling)`, processes, bare, options, null, log));
    } finally {
      await bare.stop();
    }
  }
  // The floor, once: what any DPoP-bound read with a durable replay check must do (floor-server.ts).
  log('floor (the bare route + the DPoP signature checked + the jti spent durably), 1 process:');
  const floor = await startBare(sample, 1, workDir, { floor: true });
  try {
    rows.push(await measure(FLOOR_LABEL, 1, floor, options, seeds[0] ?? null, log));
  } finally {
    await floor.stop();
  }
  for (const seeded of seeds) {
    const counts = seeded.kind === 'sqlite' && !options.sqliteTwoProcesses ? [1] : [1, 2];
    for (const processes of counts) {
      log(`redeem on ${seeded.kind}, ${processes} process${processes > 1 ? 'es' : ''}:`);
      const kith = await startKith(seeded, processes, workDir);
      try {
        rows.push(
          await measure(
            `redeem, ${seeded.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
            processes,
            kith,
            options,
            seeded,
            log,
          ),
        );
      } finally {
        await kith.stop();
      }
      for (const problem of serverErrors(workDir, `kith-${seeded.kind}-${processes}p-`))
        log(`    server error: ${problem}`);
    }
  }
  const sqliteRow = rows.find((r) => r.label === 'redeem, SQLite' && r.processes === 1);
  const equalRate = sqliteRow
    ? await measureCeilingAt(Math.round(sqliteRow.max.rps / 2), sample, options, workDir, log)
    : undefined;
  const table = renderTable(
    rows,
    options,
    startedAt,
    seeds[0]?.grants.length ?? 0,
    Buffer.byteLength(sample),
    equalRate,
  );
  log(`\n${table}`);
  return table;
}

export function renderTable(
  rows: Row[],
  options: BenchOptions,
  startedAt: Date,
  grants: number,
  bodyBytes: number,
  equalRate?: EqualRateCeiling,
): string {
  const ceiling = rows.find((r) => r.label.startsWith('bare') && r.processes === 1);
  const c = ceiling?.max.rps ?? NaN;
  const pct = (x: number) => `${((100 * x) / c).toFixed(1)}%`;
  const ms = (x: number) => x.toFixed(2);
  const lines = [
    '| server | processes | req/s (max) | × ceiling | p50 ms | p99 ms | p99 ms at half load | server CPU µs/req | of which event loop | PostgreSQL CPU µs/req | server CPU µs/req at half load | failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${r.processes} | ${r.max.rps.toFixed(0)} | ${pct(r.max.rps)} | ${ms(r.max.p50)} | ${ms(r.max.p99)} | ${ms(r.half.p99)} (at ${Math.round(r.max.rps / 2)}/s) | ${r.cpuPerRequestUs.toFixed(0)} | ${r.loopCpuPerRequestUs.toFixed(0)} | ${r.databaseCpuPerRequestUs === null ? '—' : r.databaseCpuPerRequestUs.toFixed(0)} | ${r.halfCpuPerRequestUs.toFixed(0)} | ${r.max.failed + r.half.failed} |`,
    );
  }
  const scaling: string[] = [];
  for (const label of new Set(rows.map((r) => r.label))) {
    const one = rows.find((r) => r.label === label && r.processes === 1);
    const two = rows.find((r) => r.label === label && r.processes === 2);
    if (one && two) scaling.push(`${label}: two processes = ${(two.max.rps / one.max.rps).toFixed(2)}× one`);
  }
  const head = [
    `Run ${startedAt.toISOString()} on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}.`,
    `${options.seconds} s per run after a ${options.warmupSeconds} s warm-up, ${options.connections} connections (autocannon, in the harness process, sharing the cores), ` +
      `${grants} distinct grants, a fresh DPoP proof per request, ${bodyBytes}-byte answers; "× ceiling" is req/s over the one-process bare Hono route measured in this run.`,
    'Issue 6 targets: one process ≥ 20% of the ceiling; two processes ≥ 1.6× one; p99 < 10 ms at half load.',
    "Issue 15 targets: PostgreSQL's Kith + PostgreSQL CPU per redeem ≤ 1.5× SQLite's; SQLite's server CPU per redeem ≤ 7× the bare route's.",
    "The floor: the bare route that also checks each request's DPoP proof signature (libsodium, on its event loop) and spends the proof's jti in SQLite, answering once the row is durable (grouped per turn, as Kith does) — reported, not targeted.",
    "Half load: requests evenly paced from a client process of its own (open loop, each timed from when it was written; the client's own lateness is in the log).",
    '',
  ];
  return [
    ...head,
    ...lines,
    '',
    ...scaling.map((s) => `- ${s}`),
    ...cpuRatios(rows, equalRate).map((s) => `- ${s}`),
  ].join('\n');
}
