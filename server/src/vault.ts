import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import { type AccessLogVerifier, createAccessLogVerifier } from './audit/access-log-verifier.ts';
import { type Config, ConfigError } from './config.ts';
import type { Db } from './db/database.ts';
import type { GroupCommit } from './db/group-commit.ts';
import { migrateToLatest } from './db/migrate.ts';
import { type DialectKind, openDatabase } from './db/open-database.ts';
import { postgresRedeemGroups } from './grants/grant-redeem.postgres.ts';
import type { Redeems } from './grants/grant-redeem.repository.ts';
import { sqliteRedeems } from './grants/grant-redeem.sqlite.ts';
import { driverErrorCode } from './http/database-unavailable.ts';
import { holdsVault } from './keys/existing-vault.ts';
import { loadMasterKey } from './keys/master-key.ts';
import { checkMasterKey } from './keys/master-key-check.ts';
import { createKeyring, type Keyring } from './keys/signing-key.service.ts';
import { createVaultKeys, type VaultKeys } from './keys/vault-keys.ts';
import { createEd25519Verifier, type Ed25519Verifier } from './vendors/ed25519-verifier.ts';
import { createVendorFetches, type VendorFetches } from './vendors/resolve-vendor.ts';
import { createDpopProofKeys, type DpopProofKeys } from './vendors/verify-dpop-proof.ts';

/**
 * An opened vault: its database, migrated, the keys proven to open it, and
 * everything it keeps in this process, made once here and handed to
 * `createApp`, the CLI and the delivery worker: no module holds state of a
 * vault, nor looks it up by `db`, so two vaults in one process share nothing.
 */
export interface Vault {
  db: Db;
  dialect: DialectKind;
  keys: VaultKeys;
  /** Where redeems run: SQLite's group commit, or PostgreSQL's redeem groups. */
  redeems: Redeems;
  /** The DPoP proofs' Ed25519 signature checks, batched on a thread of their own. */
  ed25519: Ed25519Verifier;
  /** SQLite's group commit (its metrics); undefined on PostgreSQL. */
  groupCommit: GroupCommit | undefined;
  /** The signing keys as last read (5 s at most) and the private keys opened. */
  keyring: Keyring;
  /** The access-log checks the owner's pages start, in the background for long stretches. */
  accessLogVerifier: AccessLogVerifier;
  /** Vendor documents being fetched (shared by concurrent requests) and when each was last fetched for an unknown key. */
  vendorFetches: VendorFetches;
  /** The DPoP proof keys seen to verify, by protected header. */
  dpopProofKeys: DpopProofKeys;
  close(): Promise<void>;
}

/**
 * Opens the vault the configuration names: loads (or creates) the master key,
 * opens and migrates the database, and checks the key opens it. On a key
 * mismatch it closes the database and throws; nothing is served.
 *
 * @example
 * const vault = await openVault(config, logger);
 */
export async function openVault(
  config: Pick<Config, 'database' | 'masterKey'> & Partial<Pick<Config, 'lockTimeoutMs'>>,
  logger: Logger,
): Promise<Vault> {
  await refuseKeylessVault(config);
  const { key, generatedAt, exposedMode } = loadMasterKey(config.masterKey);
  if (generatedAt) {
    logger.warn(
      { keyFile: generatedAt },
      `!!! A new master key was generated at ${generatedAt}. Back it up now: without it this vault cannot be read. !!!`,
    );
  }
  if (exposedMode && config.masterKey.kind === 'file') {
    const path = config.masterKey.path;
    logger.warn(
      { keyFile: path, mode: exposedMode },
      `!!! The master key file ${path} can be read by other users (mode ${exposedMode}): run chmod 600 ${path} !!!`,
    );
  }
  const opened = openDatabase(config.database, {
    lockTimeoutMs: config.lockTimeoutMs,
    onConnectionLost: (error) =>
      logger.warn({ code: driverErrorCode(error) }, 'a database connection was lost; opening another'),
  });
  const { db, close } = opened;
  try {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const keys = createVaultKeys(key);
    await checkMasterKey(db, keys);
    const ed25519 = createEd25519Verifier();
    const accessLogVerifier = createAccessLogVerifier(db);
    return {
      db,
      dialect: opened.kind,
      keys,
      redeems:
        opened.kind === 'sqlite'
          ? sqliteRedeems(opened.groupCommit)
          : postgresRedeemGroups(opened.pools.pipelined),
      ed25519,
      groupCommit: opened.kind === 'sqlite' ? opened.groupCommit : undefined,
      keyring: createKeyring(),
      accessLogVerifier,
      vendorFetches: createVendorFetches(),
      dpopProofKeys: createDpopProofKeys(),
      // Background access-log checks save their progress and end before the database goes.
      close: async () => {
        await accessLogVerifier.stop();
        await ed25519.close();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A missing key file is generated only for a new vault. On a database that
 * already holds one (a restore without its key, a key file lost), a new key
 * could never open it: refuse before anything is written.
 */
async function refuseKeylessVault(config: Pick<Config, 'database' | 'masterKey'>): Promise<void> {
  const source = config.masterKey;
  if (source.kind !== 'file' || !source.createIfMissing || existsSync(source.path)) return;
  if (!(await holdsVault(config.database))) return;
  throw new ConfigError(
    'KITH_MASTER_KEY_FILE',
    `${source.path} is missing, but the database already holds a vault sealed with a master key. ` +
      'Put the original key file back (or set KITH_MASTER_KEY); a new key could not open it. Nothing was created.',
  );
}
