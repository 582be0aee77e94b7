/**
 * The seeding tool of issue 6's data-size benchmark: writes owners, vendors,
 * grants and access-log rows straight into a Kith database (SQLite file or
 * PostgreSQL), in large transactions of multi-row inserts, because through
 * HTTP a million grants would take hours. The rows are the ones the server
 * itself would write:
 *   - owners with a fresh data key wrapped by the master key, the name sealed
 *     and blind-indexed (`newOwnerRow`), and sealed profile fields
 *     (`sealProfileValue`);
 *   - vendors with a real metadata document (a fresh Ed25519 key, built by the
 *     SDK) cached as the vault caches a fetched one, and a sealed webhook
 *     secret (`ensureWebhookSecret`);
 *   - collected grants with the owner's pairwise subject for the vendor, the
 *     vendor key's thumbprint as `jkt`, and the hash of a token nobody holds
 *     (they exist to be counted, not redeemed); a tenth revoked, a tenth
 *     expired, the rest live;
 *   - per owner, an access log hash-chained exactly as the server chains it,
 *     its head on the owner's row (`kith audit verify` passes).
 *
 *   tsx test/bench/seed.ts DATABASE_URL [--owners N] [--vendors N] [--grants N] [--log-rows N]
 *   pnpm bench --seed DATABASE_URL [same flags]
 *
 * DATABASE_URL is `sqlite:/path/file.sqlite` or `postgres://…` (migrated
 * first if new). The master key is KITH_MASTER_KEY, or a new one that is
 * printed; serve the result with the same key. Defaults: 10,000 owners,
 * 1,000 vendors, 1,000,000 grants, 10,000,000 access-log rows.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { buildMetadataDocument } from '@kith/client';
import { type FieldPath, purposes, type VendorMetadata } from '@kith/schemas';
import { createLogger, loadConfig, openVault } from '@kith/server';
import { calculateJwkThumbprint, type JWK } from 'jose';
import pg from 'pg';
import { type AccessAction, chainAccessLogEntry } from '../../server/src/audit/audit.service.ts';
import { ensureWebhookSecret } from '../../server/src/events/event.service.ts';
import { pairwiseSubject } from '../../server/src/grants/pairwise-subject.ts';
import { sealProfileValue } from '../../server/src/keys/field-cipher.ts';
import type { VaultKeys } from '../../server/src/keys/vault-keys.ts';
import { newOwnerRow } from '../../server/src/owners/owner.service.ts';
import { upsertVendor } from '../../server/src/vendors/vendor.repository.ts';

export interface SeedSizes {
  owners: number;
  vendors: number;
  /** Spread evenly over the owners; each owner's grants go to different vendors while there are enough. */
  grants: number;
  /** Access-log entries, spread evenly over the owners. */
  logRows: number;
}

export const DEFAULT_SEED_SIZES: SeedSizes = {
  owners: 10_000,
  vendors: 1_000,
  grants: 1_000_000,
  logRows: 10_000_000,
};

/** Where vendor `n` lives: its client id (the metadata document's URL) and webhook URI. */
export interface VendorAddress {
  clientId: string;
  webhookUri?: string;
}

export interface SeedOptions {
  databaseUrl: string;
  /** The vault's master key (base64 or hex), as `KITH_MASTER_KEY`. */
  masterKey: string;
  sizes: SeedSizes;
  /** Default: `https://vendor-N.bench.invalid/kith-client.json`, no webhooks. */
  vendorAt?: (n: number) => VendorAddress;
  /** The field sets grants hold, in rotation. */
  fieldSets?: FieldPath[][];
  /** Every grant live (the fan-out's setting); by default a tenth are revoked and a tenth expired. */
  allLive?: boolean;
  log?: (line: string) => void;
}

export interface SeededVendor {
  clientId: string;
  metadata: VendorMetadata;
  /** The `whsec_…` secret its `v1` webhook signatures are made with. */
  webhookSecret: string;
}

export interface SeedReport {
  sizes: SeedSizes;
  ownerIds: string[];
  vendors: SeededVendor[];
  /** Rows written per table. */
  rows: Record<string, number>;
  totalRows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Of `seconds`, how long the next chunk was ready but the database still busy with the one before (PostgreSQL). */
  waitedSeconds: number;
}

const DAY_MS = 86_400_000;
const DEFAULT_FIELD_SETS: FieldPath[][] = [
  ['name', 'email'],
  ['email', 'phone_number'],
  ['name', 'email', 'phone_number', 'address'],
  ['address'],
];
const PURPOSES = Object.keys(purposes);
/** Rows per array insert (PostgreSQL). */
const POSTGRES_BATCH = 10_000;
const SEPARATOR = '\u001f';
const NULL_MARK = '\u001e';
/** About this many rows per transaction. */
const CHUNK_ROWS = 60_000;

/**
 * Seeds `options.sizes` into the database: migrates it, writes the vendors
 * through the server's repository, then everything else in bulk.
 *
 * @example
 * const report = await seedBulk({ databaseUrl: 'sqlite:/tmp/big.sqlite', masterKey, sizes: DEFAULT_SEED_SIZES });
 */
export async function seedBulk(options: SeedOptions): Promise<SeedReport> {
  const log = options.log ?? (() => {});
  const { sizes } = options;
  if (sizes.owners < 1 || sizes.vendors < 1)
    throw new Error('seeding needs at least one owner and one vendor');
  const started = performance.now();
  const now = Date.now();
  const config = loadConfig(
    { KITH_DATABASE_URL: options.databaseUrl, KITH_MASTER_KEY: options.masterKey },
    process.cwd(),
  );
  const rows: Record<string, number> = {};

  // Vendors through the server's own code (few rows; their webhook secrets are made and sealed as on a first collect).
  const vault = await openVault(config, createLogger('silent'));
  const keys = vault.keys;
  let vendors: Array<SeededVendor & { jkt: string }>;
  try {
    vendors = await makeVendors(sizes.vendors, options.vendorAt ?? defaultVendorAt);
    await vault.db.transaction().execute(async (trx) => {
      for (const vendor of vendors) {
        await upsertVendor(trx, {
          client_id: vendor.clientId,
          metadata: JSON.stringify(vendor.metadata),
          fetched_at: now,
          // The longest the vault caches a document (24 h): redeems and deliveries read it from here.
          expires_at: now + DAY_MS,
        });
        const secret = await ensureWebhookSecret({ keys }, trx, vendor.clientId);
        if (!secret) throw new Error(`no webhook secret for ${vendor.clientId}`);
        vendor.webhookSecret = secret;
      }
    });
  } finally {
    await vault.close();
  }
  rows.vendors = sizes.vendors;
  log(`  ${sizes.vendors} vendors in ${seconds(started)} s`);

  const writer =
    config.database.kind === 'sqlite'
      ? openSqliteWriter(config.database.path)
      : await openPostgresWriter(config.database.connectionString);
  const ownerIds: string[] = [];
  const perOwnerRows = Math.ceil(sizes.grants / sizes.owners) + Math.ceil(sizes.logRows / sizes.owners);
  const ownersPerChunk = Math.max(1, Math.floor(CHUNK_ROWS / Math.max(1, perOwnerRows)));
  const tag = randomBytes(3).toString('hex');
  const generator = ownerGenerator({ keys, vendors, sizes, options, now, tag });
  let writing: Promise<void> = Promise.resolve();
  let waitedMs = 0;
  let lastReport = performance.now();
  try {
    for (let first = 0; first < sizes.owners; first += ownersPerChunk) {
      const chunk: Chunk = { owners: [], profile_fields: [], grants: [], access_log: [] };
      for (let o = first; o < Math.min(sizes.owners, first + ownersPerChunk); o++) {
        ownerIds.push(generator(o, chunk));
        // PostgreSQL works on the chunk before while this one is made: let its client send.
        if (writer.overlaps) await new Promise((resolve) => setImmediate(resolve));
      }
      const waitStarted = performance.now();
      await writing;
      waitedMs += performance.now() - waitStarted;
      for (const [table, list] of Object.entries(chunk)) rows[table] = (rows[table] ?? 0) + list.length;
      writing = writer.write(chunk);
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        const done = Object.values(rows).reduce((a, b) => a + b, 0);
        log(
          `  … ${ownerIds.length}/${sizes.owners} owners, ${done.toLocaleString('en')} rows, ${rate(done, started)} rows/s`,
        );
      }
    }
    const waitStarted = performance.now();
    await writing;
    waitedMs += performance.now() - waitStarted;
  } finally {
    await writing.catch(() => {});
    const closing = performance.now();
    await writer.close();
    log(
      `  deferred indexes rebuilt${config.database.kind === 'postgres' ? ', tables vacuumed and analysed' : ''} in ${seconds(closing)} s`,
    );
  }
  const totalRows = Object.values(rows).reduce((a, b) => a + b, 0);
  const elapsed = (performance.now() - started) / 1000;
  return {
    sizes,
    ownerIds,
    vendors: vendors.map(({ jkt: _jkt, ...vendor }) => vendor),
    rows,
    totalRows,
    seconds: elapsed,
    rowsPerSecond: totalRows / elapsed,
    waitedSeconds: waitedMs / 1000,
  };
}

function defaultVendorAt(n: number): VendorAddress {
  return { clientId: `https://vendor-${n + 1}.bench.invalid/kith-client.json` };
}

async function makeVendors(
  count: number,
  vendorAt: (n: number) => VendorAddress,
): Promise<Array<SeededVendor & { jkt: string }>> {
  const made: Array<SeededVendor & { jkt: string }> = [];
  for (let n = 0; n < count; n++) {
    const address = vendorAt(n);
    // A real key per vendor, as each would publish; its private half is dropped (nobody redeems these grants).
    const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as JWK;
    const origin = new URL(address.clientId).origin;
    const metadata = buildMetadataDocument(address.clientId, jwk, {
      clientName: `Bench Vendor ${n + 1}`,
      redirectUris: [`${origin}/kith/callback`],
      ...(address.webhookUri ? { webhookUri: address.webhookUri } : {}),
    });
    made.push({
      clientId: address.clientId,
      metadata,
      webhookSecret: '',
      jkt: await calculateJwkThumbprint(jwk),
    });
  }
  return made;
}

// ─── rows ────────────────────────────────────────────────────────────────────

type Row = unknown[];
interface Chunk {
  owners: Row[];
  profile_fields: Row[];
  grants: Row[];
  access_log: Row[];
}

/** Columns in the order rows are made, with their PostgreSQL types (for the array inserts). */
const TABLES: Record<keyof Chunk, Array<[string, string]>> = {
  owners: [
    ['id', 'text'],
    ['created_at', 'bigint'],
    ['name_index', 'text'],
    ['name_sealed', 'bytea'],
    ['data_key_wrapped', 'bytea'],
    ['profile_version', 'integer'],
    ['profile_updated_at', 'bigint'],
    ['audit_seq', 'integer'],
    ['audit_hash', 'text'],
  ],
  profile_fields: [
    ['owner_id', 'text'],
    ['path', 'text'],
    ['value_sealed', 'bytea'],
    ['version', 'integer'],
    ['updated_at', 'bigint'],
  ],
  grants: [
    ['id', 'text'],
    ['owner_id', 'text'],
    ['client_id', 'text'],
    ['subject', 'text'],
    ['fields', 'text'],
    ['purpose', 'text'],
    ['created_at', 'bigint'],
    ['expires_at', 'bigint'],
    ['collected_at', 'bigint'],
    ['jkt', 'text'],
    ['token_hash', 'text'],
    ['revoked_at', 'bigint'],
    ['revoked_by', 'text'],
  ],
  access_log: [
    ['owner_id', 'text'],
    ['seq', 'integer'],
    ['at', 'bigint'],
    ['action', 'text'],
    ['client_id', 'text'],
    ['grant_id', 'text'],
    ['detail', 'text'],
    ['prev_hash', 'text'],
    ['hash', 'text'],
  ],
};

interface PlannedEntry {
  at: number;
  action: AccessAction;
  clientId: string;
  grantId: string;
  detail: Record<string, unknown>;
}

/** Makes owner `o` and everything that is theirs into `chunk`; answers the owner's id. */
function ownerGenerator(input: {
  keys: VaultKeys;
  vendors: Array<{ clientId: string; jkt: string }>;
  sizes: SeedSizes;
  options: SeedOptions;
  now: number;
  tag: string;
}): (o: number, chunk: Chunk) => string {
  const { keys, vendors, sizes, options, now, tag } = input;
  const fieldSets = (options.fieldSets ?? DEFAULT_FIELD_SETS).map((fields) => ({
    json: JSON.stringify(fields),
    granted: { fields },
    read: { fields, version: 1 },
  }));
  const share = (total: number, o: number) =>
    Math.floor(total / sizes.owners) + (o < total % sizes.owners ? 1 : 0);
  let grantCounter = 0;

  return (o, chunk) => {
    const createdAt = now - 400 * DAY_MS + o;
    const owner = newOwnerRow(keys, { name: `bench-${tag}-${o + 1}`, createdAt });
    const dataKey = keys.dataKey(owner.id, owner.data_key_wrapped);
    const profileAt = now - 300 * DAY_MS;
    const profile: Array<[FieldPath, unknown]> = [
      ['name', `Bench Owner ${o + 1}`],
      ['given_name', 'Bench'],
      ['email', `owner-${o + 1}@bench.invalid`],
      ['phone_number', '+447700900123'],
      [
        'address',
        {
          street_address: `${o + 1} Bench Street`,
          locality: 'London',
          postal_code: 'SW1Y 4JH',
          country: 'GB',
        },
      ],
    ];
    for (const [path, value] of profile)
      chunk.profile_fields.push([
        owner.id,
        path,
        sealProfileValue(dataKey, owner.id, path, value),
        1,
        profileAt,
      ]);

    // Grants, one minute apart from 200 days ago; each owner's go to different vendors while there are enough.
    const grantBase = now - 200 * DAY_MS;
    const planned: PlannedEntry[] = [];
    const revokedEntries: PlannedEntry[] = [];
    const live: Array<Pick<PlannedEntry, 'clientId' | 'grantId' | 'detail'>> = [];
    const grantCount = share(sizes.grants, o);
    // One draw for all of this owner's grant ids and token hashes: many small draws cost more than the rest.
    const random = randomBytes(48 * grantCount);
    for (let j = 0; j < grantCount; j++) {
      const g = grantCounter++;
      const vendor = vendors[(o * 7919 + j) % vendors.length] as (typeof vendors)[number];
      const set = fieldSets[g % fieldSets.length] as (typeof fieldSets)[number];
      const id = `grt_${random.toString('base64url', 48 * j, 48 * j + 16)}`;
      const created = grantBase + j * 60_000;
      const collected = created + 1_000;
      const kind = options.allLive ? 'live' : g % 10 === 9 ? 'revoked' : g % 10 === 8 ? 'expired' : 'live';
      const revokedAt = kind === 'revoked' ? now - 150 * DAY_MS + revokedEntries.length * 60_000 : null;
      chunk.grants.push([
        id,
        owner.id,
        vendor.clientId,
        pairwiseSubject(keys, owner.id, vendor.clientId),
        set.json,
        PURPOSES[g % PURPOSES.length],
        created,
        kind === 'expired' ? created + 30 * DAY_MS : now + 180 * DAY_MS,
        collected,
        vendor.jkt,
        // The hash of a token never issued: these grants are counted, not redeemed.
        random.toString('base64url', 48 * j + 16, 48 * j + 48),
        revokedAt,
        revokedAt === null ? null : 'owner',
      ]);
      planned.push({
        at: collected,
        action: 'grant.collected',
        clientId: vendor.clientId,
        grantId: id,
        detail: set.granted,
      });
      if (revokedAt !== null)
        revokedEntries.push({
          at: revokedAt,
          action: 'grant.revoked',
          clientId: vendor.clientId,
          grantId: id,
          detail: set.granted,
        });
      if (kind === 'live') live.push({ clientId: vendor.clientId, grantId: id, detail: set.read });
    }

    // The log: collections, revocations, then reads of live grants from 100 days ago, oldest first.
    const logCount = share(sizes.logRows, o);
    planned.push(...revokedEntries);
    const reads = Math.max(0, logCount - planned.length);
    const step = Math.max(1, Math.floor((99 * DAY_MS) / Math.max(1, reads)));
    for (let i = 0; i < reads && live.length > 0; i++) {
      const grant = live[i % live.length] as (typeof live)[number];
      planned.push({ at: now - 100 * DAY_MS + i * step, action: 'data.read', ...grant });
    }
    // Chained by the server's own function, as appendAccessLog chains a live entry.
    const head = { audit_seq: 0, audit_hash: '' };
    for (const entry of planned.slice(0, logCount)) {
      const row = chainAccessLogEntry(head, { ownerId: owner.id, ...entry });
      chunk.access_log.push([
        row.owner_id,
        row.seq,
        row.at,
        row.action,
        row.client_id,
        row.grant_id,
        row.detail,
        row.prev_hash,
        row.hash,
      ]);
      head.audit_seq = row.seq;
      head.audit_hash = row.hash;
    }
    // The owner row goes first (the others reference it) and carries the chain's head.
    chunk.owners.push([
      owner.id,
      owner.created_at,
      owner.name_index,
      owner.name_sealed,
      owner.data_key_wrapped,
      1,
      profileAt,
      head.audit_seq,
      head.audit_hash,
    ]);
    return owner.id;
  };
}

// ─── writers ─────────────────────────────────────────────────────────────────

/**
 * The secondary indexes of the two big tables are dropped for the load and
 * rebuilt from their own definitions at the end (whatever happens), as bulk
 * loaders do: one sort per index instead of ten million random inserts.
 * Primary keys and unique constraints stay, so every row is still checked.
 * Never seed a database a server is using.
 */
const DEFERRED_INDEX_TABLES = ['grants', 'access_log'];

interface BulkWriter {
  /** Whether a write runs in another process while the next chunk is made (PostgreSQL). */
  overlaps: boolean;
  /** Writes one chunk in one transaction, tables in order. */
  write(chunk: Chunk): Promise<void>;
  /** Rebuilds the deferred indexes and closes. */
  close(): Promise<void>;
}

// better-sqlite3 is the server's dependency: opened from there, typed by the little used here.
interface SqliteHandle {
  pragma(source: string): unknown;
  prepare(source: string): { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] };
  exec(source: string): unknown;
  close(): void;
}
const BetterSqlite3 = createRequire(new URL('../../server/package.json', import.meta.url))(
  'better-sqlite3',
) as new (
  path: string,
) => SqliteHandle;

function openSqliteWriter(path: string): BulkWriter {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  // A seed can be redone: no fsync per commit. The setting is this connection's only; the server opens with FULL.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1048576');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const deferred = db
    .prepare(
      `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${DEFERRED_INDEX_TABLES.map(() => '?').join(', ')})`,
    )
    .all(...DEFERRED_INDEX_TABLES) as Array<{ name: string; sql: string }>;
  for (const { name } of deferred) db.exec(`DROP INDEX "${name}"`);
  // One cached statement per table: in a trial here as fast as 20- or 100-row statements.
  const statements = new Map<keyof Chunk, ReturnType<SqliteHandle['prepare']>>();
  const statementFor = (table: keyof Chunk) => {
    let found = statements.get(table);
    if (!found) {
      const columns = TABLES[table].map(([name]) => name);
      found = db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      statements.set(table, found);
    }
    return found;
  };
  return {
    overlaps: false,
    async write(chunk) {
      db.exec('BEGIN');
      try {
        for (const table of Object.keys(TABLES) as Array<keyof Chunk>) {
          const insert = statementFor(table);
          for (const row of chunk[table]) insert.run(...row);
        }
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      try {
        for (const { sql } of deferred) db.exec(sql);
        // The server starts on a folded-in WAL.
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
    },
  };
}

async function openPostgresWriter(connectionString: string): Promise<BulkWriter> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  // A seed can be redone: commits need not wait for the WAL flush; index builds may sort in memory.
  await client.query('SET synchronous_commit = off');
  await client.query(`SET maintenance_work_mem = '512MB'`);
  // Foreign keys are row triggers on PostgreSQL (a lookup per row, half the load's time in a trial): a
  // superuser's session skips them, as pg_restore --disable-triggers does. Every row's owner is written
  // first in the same transaction, and test/bench-seed.test.ts checks the result. Others keep the checks.
  await client.query('SET session_replication_role = replica').catch(() => {});
  const { rows: deferred } = await client.query<{ name: string; sql: string }>(
    `SELECT indexname AS name, indexdef AS sql FROM pg_indexes i
      WHERE schemaname = current_schema() AND tablename = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                         WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
    [DEFERRED_INDEX_TABLES],
  );
  for (const { name } of deferred) await client.query(`DROP INDEX "${name}"`);
  // Each column travels as one text of values joined by a unit separator (NULL as a record separator),
  // split by string_to_array: pg's own array literals escape every element, which cost more than the
  // rest of the load. No value written here holds either control character (ids, base64url, hex,
  // numbers, URLs, JSON.stringify output, which escapes them).
  const statement = (table: keyof Chunk) => {
    const columns = TABLES[table];
    const select = columns.map(([name, type]) =>
      type === 'bytea' ? `decode(${name}, 'hex')` : type === 'text' ? name : `${name}::${type}`,
    );
    return `INSERT INTO ${table} (${columns.map(([name]) => name).join(', ')}) SELECT ${select.join(', ')} FROM unnest(${columns
      .map((_, i) => `(string_to_array($${i + 1}, E'\\x1f', E'\\x1e'))[2:]`)
      .join(', ')}) AS u(${columns.map(([name]) => name).join(', ')})`;
  };
  const text = (value: unknown): string =>
    value === null || value === undefined
      ? NULL_MARK
      : value instanceof Uint8Array
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')
        : String(value);
  return {
    overlaps: true,
    async write(chunk) {
      await client.query('BEGIN');
      try {
        for (const table of Object.keys(TABLES) as Array<keyof Chunk>) {
          const rows = chunk[table];
          const width = TABLES[table].length;
          for (let i = 0; i < rows.length; i += POSTGRES_BATCH) {
            const slice = rows.slice(i, i + POSTGRES_BATCH);
            const columns = Array.from(
              { length: width },
              (_, c) =>
                // A leading separator, dropped by [2:]: one empty value must not read as no values.
                SEPARATOR + slice.map((row) => text(row[c])).join(SEPARATOR),
            );
            await client.query(statement(table), columns);
          }
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    },
    async close() {
      try {
        for (const { sql } of deferred) await client.query(sql);
        // What autovacuum would soon do anyway, done now so that it does not run under a benchmark:
        // statistics for the planner, the visibility map, and the dirty pages written out.
        await client.query('VACUUM ANALYZE owners, profile_fields, vendors, grants, access_log');
        await client.query('CHECKPOINT');
      } finally {
        await client.end();
      }
    },
  };
}

// ─── the command line ────────────────────────────────────────────────────────

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function rate(rows: number, since: number): string {
  return Math.round(rows / ((performance.now() - since) / 1000)).toLocaleString('en');
}

/** Sizes from `--owners/--vendors/--grants/--log-rows`, the rest from `defaults`; unknown flags are ignored. */
export function parseSeedSizes(argv: string[], defaults: SeedSizes = DEFAULT_SEED_SIZES): SeedSizes {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: {
      owners: { type: 'string' },
      vendors: { type: 'string' },
      grants: { type: 'string' },
      'log-rows': { type: 'string' },
    },
  });
  const read = (name: 'owners' | 'vendors' | 'grants' | 'log-rows', fallback: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(String(raw).replaceAll('_', ''));
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`--${name}: expected a whole number, got ${raw}`);
    return value;
  };
  return {
    owners: read('owners', defaults.owners),
    vendors: read('vendors', defaults.vendors),
    grants: read('grants', defaults.grants),
    logRows: read('log-rows', defaults.logRows),
  };
}

/** Prints what a report says: rows per table, time, rows per second. */
export function describeSeed(report: SeedReport): string {
  const tables = Object.entries(report.rows)
    .map(([table, n]) => `${table} ${n.toLocaleString('en')}`)
    .join(', ');
  return `${report.totalRows.toLocaleString('en')} rows (${tables}) in ${report.seconds.toFixed(1)} s: ${Math.round(report.rowsPerSecond).toLocaleString('en')} rows/s (${report.waitedSeconds.toFixed(1)} s of it waiting for the database)`;
}

/** `tsx test/bench/seed.ts DATABASE_URL [--owners N …]`; answers the exit code. */
export async function seedCommand(argv: string[]): Promise<number> {
  const url = argv.find((arg) => /^(sqlite:|postgres(ql)?:\/\/)/.test(arg));
  if (!url) {
    process.stderr.write(
      'usage: tsx test/bench/seed.ts sqlite:/path/file.sqlite|postgres://… [--owners N] [--vendors N] [--grants N] [--log-rows N]\n',
    );
    return 2;
  }
  const sizes = parseSeedSizes(argv);
  let masterKey = process.env.KITH_MASTER_KEY;
  if (!masterKey) {
    masterKey = randomBytes(32).toString('base64');
    process.stdout.write(`KITH_MASTER_KEY=${masterKey}  (new: serve the database with this key)\n`);
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `seeding ${url}: ${sizes.owners} owners, ${sizes.vendors} vendors, ${sizes.grants} grants, ${sizes.logRows} access-log rows`,
  );
  const report = await seedBulk({ databaseUrl: url, masterKey, sizes, log });
  log(describeSeed(report));
  return 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  seedCommand(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`seed failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
