import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, type MasterKeySource } from '../config.ts';

/** The master key and how it was found, so start-up can warn about a fresh one. */
export interface LoadedMasterKey {
  key: Buffer;
  /** Set when this start generated the key file: the operator must back it up. */
  generatedAt?: string;
  /** Set when the key file can be read by other users than its owner: its mode, e.g. `0644`. */
  exposedMode?: string;
}

/**
 * Reads the 32-byte master key from the environment or its file, generating
 * the file (mode 0600) when the operator gave neither.
 *
 * @example
 * const { key } = loadMasterKey(config.masterKey);
 */
export function loadMasterKey(source: MasterKeySource): LoadedMasterKey {
  if (source.kind === 'env') return { key: parseMasterKey(source.value, 'KITH_MASTER_KEY') };
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (error) {
    if (!isMissingFile(error) || !source.createIfMissing) {
      throw new ConfigError('KITH_MASTER_KEY_FILE', `cannot read ${source.path}: ${describe(error)}`);
    }
    const key = randomBytes(32);
    // Owner only, as the database folder (open-database.ts): the key opens every sealed value.
    mkdirSync(dirname(source.path), { recursive: true, mode: 0o700 });
    // `wx` refuses to overwrite a key another process created a moment ago.
    writeFileSync(source.path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return { key, generatedAt: source.path };
  }
  const key = parseMasterKey(text, 'KITH_MASTER_KEY_FILE');
  // Anyone who can read the file can read every vault it opens: group and others get nothing.
  const mode = statSync(source.path).mode & 0o777;
  return mode & 0o077 ? { key, exposedMode: `0${mode.toString(8)}` } : { key };
}

/** Accepts 32 bytes as base64, base64url or hex. */
export function parseMasterKey(text: string, variable: string): Buffer {
  const value = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
      ? Buffer.from(value, 'base64url')
      : undefined;
  if (bytes?.length !== 32) {
    throw new ConfigError(
      variable,
      'must be 32 random bytes as base64 or hex (try: openssl rand -base64 32)',
    );
  }
  return bytes;
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'unreadable';
}
