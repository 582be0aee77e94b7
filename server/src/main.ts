import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { createApp } from './app.ts';
import { verifyAccessLogFully } from './audit/access-log-verifier.ts';
import { systemClock } from './clock.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { migrateDown, migrateToLatest } from './db/migrate.ts';
import { openDatabase } from './db/open-database.ts';
import { startDeliveryWorker } from './events/delivery.service.ts';
import { KithError } from './http/kith-error.ts';
import { MasterKeyMismatchError } from './keys/master-key-check.ts';
import {
  ensureSigningKeys,
  NEXT_KEY_MIN_PUBLISHED_MS,
  rotateSigningKeys,
} from './keys/signing-key.service.ts';
import { createLogger } from './logger.ts';
import { BackupExistsError, backupDatabase, describeMasterKey } from './ops/backup.ts';
import { drainHttpServer } from './ops/graceful-shutdown.ts';
import { createMetricsRoutes } from './ops/metrics.routes.ts';
import { resealVault } from './ops/vault-reseal.service.ts';
import {
  createOwnerWithEnrollment,
  issueFirstOwnerEnrollment,
  resetOwner,
} from './owners/enrollment.service.ts';
import { findOwnerByName } from './owners/owner.service.ts';
import { openVault } from './vault.ts';
import { purgeExpiredJtis } from './vendors/replay-cache.ts';

const usage = `kith — a personal-data vault

Usage:
  kith serve            migrate the database, then serve HTTP (the default)
  kith migrate          bring the database schema up to date
  kith migrate --down   undo the newest migration
  kith keys rotate [--force]
                        make the next signing key current (it was already
                        published), retire the current one, publish a new next;
                        refused until the next key has been published for
                        ${formatSeconds(NEXT_KEY_MIN_PUBLISHED_MS / 1000)}, unless --force (vendors may then fail
                        to verify until they fetch the JWKS again)
  kith owner create --name NAME
                        add an owner; prints a one-time enrollment link (24 h)
  kith owner reset NAME void an owner's passkeys, recovery codes and sessions
                        (when all are lost); prints a new enrollment link
  kith vault reseal     seal every value still in the v1 envelope (AES-256-GCM)
                        anew in v2 (XChaCha20-Poly1305); safe while serving,
                        and a second run changes nothing
  kith audit verify [--name NAME]
                        check every owner's access-log hash chain (or one
                        owner's) from its first entry, and record the result
                        for the owner's pages; exits 1 if any chain is broken
  kith backup --to FILE copy the database while servers run (SQLite: a
                        consistent online copy; PostgreSQL: prints the pg_dump
                        command). The master key is not in it: keep it apart
  kith --version        print the version
  kith --help           show this help

Configuration comes from the environment (KITH_DATABASE_URL, KITH_PORT,
KITH_PUBLIC_URL, KITH_MASTER_KEY or KITH_MASTER_KEY_FILE, …); see README.md.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      to: { type: 'string' },
      down: { type: 'boolean' },
      force: { type: 'boolean' },
      name: { type: 'string' },
    },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version || command === 'version') {
    process.stdout.write(`kith ${serverVersion()}\n`);
    return 0;
  }
  const config = loadConfig(process.env, process.cwd());
  switch (command) {
    case 'serve':
      return runServe(config);
    case 'migrate':
      return runMigrate(config, values.down === true);
    case 'keys':
      if (positionals[1] === 'rotate') return runKeysRotate(config, values.force === true);
      process.stderr.write(`kith: unknown keys command "${positionals[1] ?? ''}"\n\n${usage}`);
      return 2;
    case 'owner':
      return runOwner(config, positionals.slice(1), values.name);
    case 'vault':
      if (positionals[1] === 'reseal') return runVaultReseal(config);
      process.stderr.write(`kith: unknown vault command "${positionals[1] ?? ''}"\n\n${usage}`);
      return 2;
    case 'backup':
      return runBackup(config, values.to);
    case 'audit':
      if (positionals[1] === 'verify') return runAuditVerify(config, values.name);
      process.stderr.write(`kith: unknown audit command "${positionals[1] ?? ''}"\n\n${usage}`);
      return 2;
    default:
      process.stderr.write(`kith: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

/**
 * The first-owner link is a credential for the whole vault, so it must not join the log
 * stream: stdout carries the JSON log lines, which systemd's journal or a container runtime
 * keep. On a terminal it is shown there, between the log lines, for the operator to read;
 * otherwise it goes to stderr, on lines of its own that say what they are.
 */
function printFirstOwnerLink(url: string): void {
  const text = 'This vault has no owner yet. Open this link within 24 hours to become its first owner';
  const dies = 'It stops working as soon as the vault has an owner (e.g. after `kith owner create`).';
  if (process.stdout.isTTY) {
    process.stdout.write(`\n${text}:\n\n  ${url}\n\n${dies}\n\n`);
    return;
  }
  process.stderr.write(
    `kith: first-owner enrollment link (a one-time credential, not a log line; stdout is not a terminal):\n` +
      `kith: ${text}: ${url}\n` +
      `kith: ${dies}\n`,
  );
}

async function runServe(config: Config): Promise<number> {
  // Buffered: a log line per request must not cost a blocking write per request.
  const logger = createLogger(config.logLevel, pino.destination({ sync: false }));
  if (config.devAllowLocalVendors) {
    logger.warn(
      '!!! KITH_DEV_ALLOW_LOCAL_VENDORS is on: vendors on this machine (http://localhost, http://127.0.0.1) are accepted. ' +
        'This is for development only; never run a real vault like this. !!!',
    );
  }
  const vault = await openVault(config, logger);
  const deps = { ...vault, clock: systemClock, config };
  await ensureSigningKeys(deps);
  // prom-client is loaded only when metrics are on: nothing of it in a process that does not serve them.
  const metricsModule = config.metrics ? await import('./ops/metrics.ts') : undefined;
  const metrics = metricsModule?.createMetrics(deps);
  const app = createApp({ ...deps, logger, metrics });
  // Used DPoP proof and client assertion ids are refused on their own dates
  // once expired; deleting them only keeps the tables small.
  const purge = setInterval(() => {
    purgeExpiredJtis(deps).catch((error: unknown) =>
      logger.error({ err: { type: (error as Error).name } }, 'purging used jtis failed'),
    );
  }, 60_000);
  purge.unref();
  const firstOwner = await issueFirstOwnerEnrollment({
    db: vault.db,
    keys: vault.keys,
    clock: systemClock,
    config,
    logger,
  });
  if (firstOwner) printFirstOwnerLink(firstOwner.url);
  // Events leave through the outbox; with several processes on one database, claims never overlap.
  const delivery = config.webhooks.deliver
    ? startDeliveryWorker({ ...deps, logger }, { batchSize: config.webhooks.batchSize })
    : undefined;
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    logger.info(
      { address: info.address, port: info.port, publicUrl: config.publicUrl.origin, database: vault.dialect },
      `Kith is listening on http://${info.address}:${info.port} (public URL ${config.publicUrl.origin})`,
    );
  });
  const metricsServer =
    metricsModule && metrics && config.metrics?.port !== undefined
      ? serve({
          fetch: createMetricsRoutes(metrics).fetch,
          port: config.metrics.port,
          hostname: config.host,
        })
      : undefined;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      // A second signal during shutdown (a supervisor repeating itself) must not kill it half-way.
      if (stopping) return;
      stopping = true;
      logger.info({ signal, graceSeconds: config.shutdownGraceMs / 1000 }, 'shutting down');
      clearInterval(purge);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // Stop accepting, let what is in flight finish, and cut whatever is still open when the grace runs out;
  // the webhook worker winds down meanwhile (its attempts in flight are recorded; unrecorded ones are retried).
  const [http] = await Promise.all([
    drainHttpServer(server as Server, { graceMs: config.shutdownGraceMs }),
    metricsServer && drainHttpServer(metricsServer as Server, { graceMs: config.shutdownGraceMs }),
    delivery?.stop(),
  ]);
  if (!http.drained) logger.warn('the shutdown grace ran out: the connections still open were closed');
  // Closing the database commits and syncs what the group commit still holds.
  await vault.close();
  logger.info('stopped');
  await new Promise<void>((done) => logger.flush(() => done()));
  return 0;
}

async function runBackup(config: Config, to: string | undefined): Promise<number> {
  if (!to) {
    process.stderr.write(`kith: expected "backup --to FILE"\n\n${usage}`);
    return 2;
  }
  const file = resolve(process.cwd(), to);
  try {
    const result = await backupDatabase(config.database, file);
    const reminder =
      `The backup holds only ciphertext. Without the master key (${describeMasterKey(config.masterKey)}) ` +
      'it cannot be read: keep a copy of the key, apart from the backup.\n';
    if (result.kind === 'postgres') {
      process.stdout.write(
        'PostgreSQL is backed up with its own tools. Run (the password from PGPASSWORD or ~/.pgpass):\n\n' +
          `  ${result.command}\n\n${reminder}`,
      );
    } else {
      process.stdout.write(`Backed up ${result.pages} pages to ${result.file}\n${reminder}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof BackupExistsError) {
      process.stderr.write(`kith: ${error.message}\n`);
      return 73; // EX_CANTCREAT
    }
    throw error;
  }
}

/** The server package's version, read at run time from source and from dist alike. */
function serverVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function runKeysRotate(config: Config, force: boolean): Promise<number> {
  const vault = await openVault(config, createLogger(config.logLevel));
  try {
    const { retired, current, next, publishedForMs } = await rotateSigningKeys(
      { ...vault, clock: systemClock, config },
      { force },
    );
    if (publishedForMs < NEXT_KEY_MIN_PUBLISHED_MS) {
      process.stderr.write(
        `!!! --force: the new current key was published only ${formatSeconds(publishedForMs / 1000)} ago. ` +
          'Vendors that fetched the JWKS before then may fail to verify grants, receipts and webhook signatures ' +
          `until they fetch it again (up to ${formatSeconds(NEXT_KEY_MIN_PUBLISHED_MS / 1000)}). !!!\n`,
      );
    }
    process.stdout.write(`retired ${retired}\ncurrent ${current}\nnext    ${next}\n`);
    return 0;
  } catch (error) {
    if (error instanceof KithError && error.code === 'KEY_ROTATION_TOO_SOON') {
      const wait = Number(error.headers?.['retry-after']);
      process.stderr.write(
        `kith: not rotated: the next signing key has been published for less than ${formatSeconds(NEXT_KEY_MIN_PUBLISHED_MS / 1000)}, ` +
          'and vendors may not have fetched it yet.\n' +
          `Wait ${formatSeconds(wait)} and run "kith keys rotate" again, or rotate now with ` +
          '"kith keys rotate --force" (vendors may fail to verify until they fetch the JWKS again).\n',
      );
      return 75; // EX_TEMPFAIL: try again later
    }
    throw error;
  } finally {
    await vault.close();
  }
}

// 348 → '5 min 48 s'; 45 → '45 s'.
function formatSeconds(seconds: number): string {
  const whole = Math.ceil(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  if (minutes === 0) return `${rest} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

async function runOwner(config: Config, args: string[], name: string | undefined): Promise<number> {
  const [verb, target] = args;
  const ownerName = verb === 'create' ? name : target;
  if ((verb !== 'create' && verb !== 'reset') || !ownerName) {
    process.stderr.write(`kith: expected "owner create --name NAME" or "owner reset NAME"\n\n${usage}`);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  const vault = await openVault(config, logger);
  try {
    const deps = { db: vault.db, keys: vault.keys, clock: systemClock, config, logger };
    const { enrollment } =
      verb === 'create'
        ? await createOwnerWithEnrollment(deps, { name: ownerName })
        : await resetOwner(deps, { name: ownerName });
    const expires = new Date(enrollment.expiresAt).toISOString();
    process.stdout.write(
      verb === 'create'
        ? `Owner created. Send them this one-time enrollment link (valid until ${expires}):\n${enrollment.url}\n`
        : `Passkeys, recovery codes and sessions voided. New enrollment link (valid until ${expires}):\n${enrollment.url}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof KithError) {
      process.stderr.write(`kith: ${error.detail ?? error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await vault.close();
  }
}

async function runAuditVerify(config: Config, name: string | undefined): Promise<number> {
  const vault = await openVault(config, createLogger(config.logLevel));
  try {
    const deps = { db: vault.db, keys: vault.keys, clock: systemClock };
    let ownerIds: string[];
    if (name) {
      const owner = await findOwnerByName(deps, name);
      if (!owner) {
        process.stderr.write(`kith: no owner named "${name}"\n`);
        return 1;
      }
      ownerIds = [owner.id];
    } else {
      ownerIds = (await vault.db.selectFrom('owners').select('id').orderBy('id').execute()).map((o) => o.id);
    }
    let broken = 0;
    for (const ownerId of ownerIds) {
      const result = await verifyAccessLogFully({ db: vault.db, clock: systemClock }, ownerId);
      if (result.ok) {
        process.stdout.write(`ok      ${ownerId}  ${result.entries} entries\n`);
      } else {
        broken++;
        process.stdout.write(`BROKEN  ${ownerId}  at entry ${result.brokenAt}: ${result.reason}\n`);
      }
    }
    process.stdout.write(`${ownerIds.length} chain(s) checked, ${broken} broken\n`);
    return broken === 0 ? 0 : 1;
  } finally {
    await vault.close();
  }
}

async function runVaultReseal(config: Config): Promise<number> {
  const vault = await openVault(config, createLogger(config.logLevel));
  try {
    const { owners, resealed } = await resealVault(vault);
    process.stdout.write(`${owners} owner(s) checked, ${resealed} value(s) resealed in the v2 envelope\n`);
    return 0;
  } finally {
    await vault.close();
  }
}

async function runMigrate(config: Config, down: boolean): Promise<number> {
  const { db, close } = openDatabase(config.database);
  try {
    const applied = down ? await migrateDown(db) : await migrateToLatest(db);
    process.stdout.write(applied.length > 0 ? `${applied.join('\n')}\n` : 'The schema is up to date.\n');
    return 0;
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof MasterKeyMismatchError) {
      process.stderr.write(`kith: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    process.stderr.write(
      `kith: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
