/**
 * Fan-out (issue 6): "One profile change with 10,000 vendors holding the
 * field (a local receiver): time until every profile.updated is delivered;
 * target under 60 s." Run with tsx (`pnpm bench --fanout`), never by Vitest
 * and never in CI; it prints figures and never fails on speed.
 *
 * For each database (SQLite, then PostgreSQL from a throwaway cluster):
 *   1. one receiver on 127.0.0.1 plays all the vendors: it serves each
 *      vendor's metadata document at its client id and takes its webhooks
 *      at its `webhook_uri`, recording every request and answering 204;
 *   2. the seeding tool (test/bench/seed.ts) writes one owner and 10,000
 *      vendors, each with one live grant on `name` and `email`, their
 *      documents cached and webhook secrets sealed as the vault would;
 *   3. a real `kith serve` (development mode, so loopback vendors are
 *      allowed; its own delivery worker with its defaults) starts on it;
 *   4. the owner changes `email` through `PATCH /v1/me/profile` with a real
 *      session; the clock runs from sending that request until the receiver
 *      holds one delivery of every event;
 *   5. then, off the clock, every delivery is checked: a `profile.updated`
 *      for the right vendor, subject and grant, naming `email`, with a valid
 *      `v1` (the vendor's HMAC secret) and a valid `v1a` (the vault's
 *      Ed25519 key from its JWKS) signature, verified by the SDK.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyWebhook } from '@kith/client';
import type { VendorMetadata } from '@kith/schemas';
import { createLogger, loadConfig, openVault, systemClock } from '@kith/server';
import { SESSION_COOKIE } from '../../server/src/http/session-cookie.ts';
import { startSession } from '../../server/src/owners/session.service.ts';
import { freePort } from '../support/postgres-cluster.ts';
import { renderSelfTimes, selfTimes } from './profile.ts';
import { benchDatabases, benchWorkDir, onCleanup, startKith } from './redeem.bench.ts';
import { describeSeed, type SeededVendor, seedBulk } from './seed.ts';

export interface FanoutOptions {
  vendors: number;
  databases: Array<'sqlite' | 'postgres'>;
  /** How long to wait for the last delivery before giving up on a database. */
  timeoutSeconds: number;
  /** Run the server under `--cpu-prof` and table where its time went from the PATCH on. */
  cpuProfile?: boolean;
}

export const DEFAULT_FANOUT_OPTIONS: FanoutOptions = {
  vendors: 10_000,
  databases: ['sqlite', 'postgres'],
  timeoutSeconds: 300,
};

interface Delivery {
  vendor: number;
  id: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

interface Receiver {
  origin: string;
  deliveries: Delivery[];
  /** Distinct `webhook-id`s received so far. */
  distinct(): number;
  /** Documents to serve, by vendor number. */
  documents: Map<number, VendorMetadata>;
  close(): Promise<void>;
}

interface FanoutResult {
  kind: 'sqlite' | 'postgres';
  vendors: number;
  /** From sending the PATCH until its answer (the outbox rows are written in its transaction). */
  patchMs: number;
  firstMs: number;
  /** Until the last distinct event arrived, or NaN if not all did in time. */
  allMs: number;
  delivered: number;
  duplicates: number;
  invalid: string[];
}

export async function runFanoutBench(options: FanoutOptions = DEFAULT_FANOUT_OPTIONS): Promise<string> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const workDir = benchWorkDir('kith-fanout-', log);
  const startedAt = new Date();
  const results: FanoutResult[] = [];
  for (const kind of options.databases) {
    const url = (await benchDatabases(kind, ['fanout'], workDir, log))?.fanout;
    if (url) results.push(await fanOutOnce(kind, url, workDir, options, log));
  }
  const seconds = (ms: number) => (Number.isNaN(ms) ? 'not all in time' : (ms / 1000).toFixed(1));
  const table = [
    `Run ${startedAt.toISOString()}, Node ${process.version}; one kith serve process with its default delivery worker, one local receiver for every vendor (in the harness process).`,
    `Issue 6 target: every profile.updated delivered in under 60 s, for one change held by ${options.vendors.toLocaleString('en')} vendors.`,
    '',
    '| database | vendors | PATCH answered s | first delivery s | all delivered s | deliveries/s | duplicates | invalid |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${r.vendors} | ${seconds(r.patchMs)} | ${seconds(r.firstMs)} | ${seconds(r.allMs)} | ${Number.isNaN(r.allMs) ? '—' : (r.delivered / (r.allMs / 1000)).toFixed(0)} | ${r.duplicates} | ${r.invalid.length} |`,
    ),
  ].join('\n');
  log(`\n${table}`);
  for (const r of results) for (const problem of r.invalid.slice(0, 5)) log(`- ${r.kind}: ${problem}`);
  return table;
}

async function fanOutOnce(
  kind: 'sqlite' | 'postgres',
  url: string,
  workDir: string,
  options: FanoutOptions,
  log: (line: string) => void,
): Promise<FanoutResult> {
  const receiver = await startReceiver();
  onCleanup(() => receiver.close());
  try {
    const masterKey = randomBytes(32).toString('base64');
    log(`seeding ${kind}: one owner, ${options.vendors} vendors on ${receiver.origin}, one live grant each…`);
    const report = await seedBulk({
      databaseUrl: url,
      masterKey,
      sizes: { owners: 1, vendors: options.vendors, grants: options.vendors, logRows: options.vendors },
      vendorAt: (n) => ({
        clientId: `${receiver.origin}/vendors/${n}/kith-client.json`,
        webhookUri: `${receiver.origin}/vendors/${n}/webhooks`,
      }),
      fieldSets: [['name', 'email']],
      allLive: true,
      log,
    });
    log(`  ${describeSeed(report)}`);
    report.vendors.forEach((vendor, n) => {
      receiver.documents.set(n, vendor.metadata);
    });
    const ownerId = report.ownerIds[0] as string;
    const { cookie, grants } = await ownerSessionAndGrants(url, masterKey, ownerId);

    const publicPort = await freePort();
    const profDir = join(workDir, `cpuprofile-${kind}`);
    const spawnedAt = performance.now();
    const kith = await startKith(
      {
        kind,
        databaseUrl: url,
        masterKey,
        publicUrl: `http://localhost:${publicPort}`,
        publicPort,
        grants: [],
        sampleBody: '',
      },
      1,
      workDir,
      options.cpuProfile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] } : {},
    );
    const target = kith.targets[0] as string;
    let result: FanoutResult;
    let skipMs = 0;
    try {
      const jwks = (await (await fetch(`${target}/.well-known/jwks.json`)).json()) as { keys: JsonWebKey[] };
      log(`changing the owner's email on ${kind}; waiting for ${options.vendors} deliveries…`);
      const started = performance.now();
      const startedAt = Date.now();
      skipMs = started - spawnedAt;
      const res = await fetch(`${target}/v1/me/profile`, {
        method: 'PATCH',
        headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
        body: JSON.stringify({ email: `moved-${randomBytes(3).toString('hex')}@bench.invalid` }),
        signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
      });
      const patchMs = performance.now() - started;
      if (res.status !== 200)
        throw new Error(`PATCH /v1/me/profile answered ${res.status} ${await res.text()}`);
      log(`  PATCH answered after ${(patchMs / 1000).toFixed(1)} s`);
      const deadline = started + options.timeoutSeconds * 1000;
      let nextReport = started + 10_000;
      while (receiver.distinct() < options.vendors && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (performance.now() > nextReport) {
          nextReport += 10_000;
          log(
            `  … ${receiver.distinct()} delivered after ${((performance.now() - started) / 1000).toFixed(0)} s`,
          );
        }
      }
      const complete = receiver.distinct() >= options.vendors;
      const firsts = firstDeliveries(receiver.deliveries);
      const times = [...firsts.values()].map((d) => d.at - startedAt);
      result = {
        kind,
        vendors: options.vendors,
        patchMs,
        firstMs: times.length > 0 ? Math.min(...times) : Number.NaN,
        allMs: complete ? Math.max(...times) : Number.NaN,
        delivered: firsts.size,
        duplicates: receiver.deliveries.length - firsts.size,
        invalid: [],
      };
      log(
        complete
          ? `  all ${options.vendors} delivered after ${(result.allMs / 1000).toFixed(1)} s`
          : `  only ${firsts.size} of ${options.vendors} delivered in ${options.timeoutSeconds} s`,
      );
      // Off the clock: every delivery checked, both signatures.
      result.invalid = await checkDeliveries(firsts, report.vendors, grants, jwks);
      log(`  checked ${firsts.size} deliveries: ${result.invalid.length} invalid`);
    } finally {
      await kith.stop();
    }
    if (options.cpuProfile) {
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error('the server wrote no .cpuprofile (did it exit cleanly?)');
      const kept = join(tmpdir(), `kith-fanout-${kind}-${Date.now()}.cpuprofile`);
      copyFileSync(join(profDir, file), kept);
      const profile = JSON.parse(readFileSync(kept, 'utf8')) as Parameters<typeof selfTimes>[0];
      log(
        `\nCPU profile of \`kith serve\` (${kind}) from the PATCH until it stopped (start-up left out). Raw profile: ${kept}\n\n${renderSelfTimes(selfTimes(profile, { skipMs }), 25)}\n`,
      );
    }
    return result;
  } finally {
    await receiver.close();
  }
}

function firstDeliveries(deliveries: Delivery[]): Map<string, Delivery> {
  const firsts = new Map<string, Delivery>();
  for (const d of deliveries) if (!firsts.has(d.id)) firsts.set(d.id, d);
  return firsts;
}

/** What is wrong with each delivery, if anything: one line per bad delivery. */
async function checkDeliveries(
  firsts: Map<string, Delivery>,
  vendors: SeededVendor[],
  grants: Map<string, { id: string; subject: string }>,
  jwks: { keys: JsonWebKey[] },
): Promise<string[]> {
  const problems: string[] = [];
  const vendorsHeard = new Set<number>();
  for (const d of firsts.values()) {
    const vendor = vendors[d.vendor];
    const grant = vendor && grants.get(vendor.clientId);
    if (!vendor || !grant) {
      problems.push(`${d.id}: for an unknown vendor ${d.vendor}`);
      continue;
    }
    if (vendorsHeard.has(d.vendor)) problems.push(`${d.id}: a second event for vendor ${d.vendor}`);
    vendorsHeard.add(d.vendor);
    try {
      const request = { headers: d.headers, body: d.body };
      // Each signature on its own: the vendor's HMAC secret (v1), then the vault's published key (v1a).
      const event = await verifyWebhook(request, { secret: vendor.webhookSecret });
      await verifyWebhook(request, { jwks });
      if (event.type !== 'profile.updated') throw new Error(`a ${event.type} event`);
      if (event.data.sub !== grant.subject) throw new Error('another subject');
      if (event.data.grant_ids.join() !== grant.id) throw new Error('other grant ids');
      if (event.data.fields.join() !== 'email') throw new Error(`fields ${event.data.fields.join()}`);
    } catch (error) {
      problems.push(`${d.id} (vendor ${d.vendor}): ${(error as Error).message}`);
    }
  }
  return problems;
}

/** A session for the owner, started by the server's own session service; and each vendor's grant. */
async function ownerSessionAndGrants(
  url: string,
  masterKey: string,
  ownerId: string,
): Promise<{ cookie: string; grants: Map<string, { id: string; subject: string }> }> {
  const config = loadConfig({ KITH_DATABASE_URL: url, KITH_MASTER_KEY: masterKey }, process.cwd());
  const vault = await openVault(config, createLogger('silent'));
  try {
    const { token } = await startSession(
      { db: vault.db, clock: systemClock, config },
      { ownerId, userAgent: 'kith fan-out bench' },
    );
    const rows = await vault.db.selectFrom('grants').select(['id', 'client_id', 'subject']).execute();
    return {
      cookie: `${SESSION_COOKIE}=${token}`,
      grants: new Map(rows.map((r) => [r.client_id, { id: r.id, subject: r.subject }])),
    };
  } finally {
    await vault.close();
  }
}

/** One HTTP server on 127.0.0.1 for every vendor: documents at `/vendors/N/kith-client.json`, webhooks at `/vendors/N/webhooks`. */
async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const ids = new Set<string>();
  const documents = new Map<number, VendorMetadata>();
  const server: Server = createServer((req, res) => {
    const match = /^\/vendors\/(\d+)\/(kith-client\.json|webhooks)$/.exec(req.url ?? '');
    const vendor = Number(match?.[1]);
    if (match?.[2] === 'kith-client.json' && req.method === 'GET' && documents.has(vendor)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(documents.get(vendor)));
      return;
    }
    if (match?.[2] !== 'webhooks' || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const id = headers['webhook-id'] ?? '';
      deliveries.push({ vendor, id, headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      ids.add(id);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 1_000;
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  let closed = false;
  return {
    origin: `http://127.0.0.1:${port}`,
    deliveries,
    distinct: () => ids.size,
    documents,
    async close() {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
