import { isAbsolute, resolve } from 'node:path';
import { type ConfigVariable, configOptions } from './config-options.ts';
import { compileTrustedProxies } from './http/client-address.ts';

// What each option means and defaults to lives in config-options.ts; this file reads and checks them.
type IntegerVariable = {
  [Name in ConfigVariable]: (typeof configOptions)[Name] extends { kind: 'integer'; default: number }
    ? Name
    : never;
}[ConfigVariable];

type BooleanVariable = {
  [Name in ConfigVariable]: (typeof configOptions)[Name] extends { kind: 'boolean' } ? Name : never;
}[ConfigVariable];

export interface Config {
  database: DatabaseConfig;
  port: number;
  host: string;
  publicUrl: URL;
  masterKey: MasterKeySource;
  bodyLimitBytes: number;
  /** How long a write waits for a lock held elsewhere before it gives up (503). */
  lockTimeoutMs: number;
  session: { idleMs: number; absoluteMs: number };
  signIn: { maxAttempts: number; windowMs: number };
  vendorRateLimit: { maxRequests: number; windowMs: number };
  /** Proxies whose `X-Forwarded-For` is believed; empty means the peer is the client. */
  trustedProxies: readonly string[];
  logLevel: LogLevel;
  /** Development only: vendors on this machine (plain http on loopback) are accepted. */
  devAllowLocalVendors: boolean;
  webhooks: { deliver: boolean; timeoutMs: number; retryForMs: number; batchSize: number };
  shutdownGraceMs: number;
  /** Undefined when metrics are off; `port` undefined means `/metrics` on the main port. */
  metrics: { port: number | undefined } | undefined;
}

export type DatabaseConfig =
  | { kind: 'sqlite'; url: string; path: string }
  | { kind: 'postgres'; url: string; connectionString: string };

/** Where the master key comes from; `generate` means a key file may be created. */
export type MasterKeySource =
  | { kind: 'env'; value: string }
  | { kind: 'file'; path: string; createIfMissing: boolean };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A configuration problem, naming the variable so the operator can fix it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/**
 * Reads and validates the configuration. Throws `ConfigError` naming the first
 * bad variable; relative paths resolve against `cwd`.
 *
 * @example
 * const config = loadConfig({ KITH_PORT: '8080' }, process.cwd());
 */
export function loadConfig(env: Record<string, string | undefined>, cwd: string): Config {
  const port = readInteger(env, 'KITH_PORT');
  const database = readDatabase(env.KITH_DATABASE_URL ?? configOptions.KITH_DATABASE_URL.default, cwd);
  return {
    database,
    port,
    host: readNonEmpty(env, 'KITH_HOST') ?? configOptions.KITH_HOST.default,
    publicUrl: readPublicUrl(env.KITH_PUBLIC_URL ?? `http://localhost:${port}`),
    masterKey: readMasterKeySource(env, database, cwd),
    bodyLimitBytes: readInteger(env, 'KITH_BODY_LIMIT_BYTES'),
    lockTimeoutMs: readInteger(env, 'KITH_LOCK_TIMEOUT_MS'),
    session: {
      idleMs: readInteger(env, 'KITH_SESSION_IDLE_MINUTES') * 60_000,
      absoluteMs: readInteger(env, 'KITH_SESSION_ABSOLUTE_HOURS') * 3_600_000,
    },
    vendorRateLimit: {
      maxRequests: readInteger(env, 'KITH_VENDOR_RATE_LIMIT_PER_MINUTE'),
      windowMs: 60_000,
    },
    signIn: {
      maxAttempts: readInteger(env, 'KITH_SIGN_IN_MAX_ATTEMPTS'),
      windowMs: readInteger(env, 'KITH_SIGN_IN_WINDOW_MINUTES') * 60_000,
    },
    trustedProxies: readTrustedProxies(env),
    logLevel: readLogLevel(env.KITH_LOG_LEVEL ?? configOptions.KITH_LOG_LEVEL.default),
    devAllowLocalVendors: readBoolean(env, 'KITH_DEV_ALLOW_LOCAL_VENDORS'),
    webhooks: {
      deliver: readBoolean(env, 'KITH_DELIVERY_WORKER'),
      timeoutMs: readInteger(env, 'KITH_WEBHOOK_TIMEOUT_SECONDS') * 1000,
      retryForMs: readInteger(env, 'KITH_WEBHOOK_RETRY_HOURS') * 3_600_000,
      batchSize: readInteger(env, 'KITH_DELIVERY_BATCH_SIZE'),
    },
    shutdownGraceMs: readInteger(env, 'KITH_SHUTDOWN_GRACE_SECONDS') * 1000,
    metrics: readMetrics(env, port),
  };
}

function readMetrics(env: Record<string, string | undefined>, mainPort: number): Config['metrics'] {
  const { min, max } = configOptions.KITH_METRICS_PORT;
  const port =
    readNonEmpty(env, 'KITH_METRICS_PORT') === undefined
      ? undefined
      : readWholeNumber(env, 'KITH_METRICS_PORT', 0, min, max);
  // On by default once a port for it is given.
  const enabled = readBoolean(env, 'KITH_METRICS', port !== undefined);
  if (!enabled && port !== undefined) {
    throw new ConfigError('KITH_METRICS_PORT', 'is set while KITH_METRICS is false: unset one of them');
  }
  if (port === mainPort) {
    throw new ConfigError('KITH_METRICS_PORT', `must differ from KITH_PORT (${mainPort})`);
  }
  return enabled ? { port } : undefined;
}

function readNonEmpty(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readInteger(env: Record<string, string | undefined>, name: IntegerVariable): number {
  const { default: fallback, min, max } = configOptions[name];
  return readWholeNumber(env, name, fallback, min, max);
}

function readWholeNumber(
  env: Record<string, string | undefined>,
  name: ConfigVariable,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = readNonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readBoolean(
  env: Record<string, string | undefined>,
  name: BooleanVariable,
  fallback: boolean = configOptions[name].default,
): boolean {
  const raw = readNonEmpty(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

function readDatabase(url: string, cwd: string): DatabaseConfig {
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('KITH_DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return { kind: 'postgres', url, connectionString: url };
  }
  const match = /^(?:sqlite|file):(.+)$/.exec(url);
  if (!match?.[1]) {
    throw new ConfigError(
      'KITH_DATABASE_URL',
      `expected "sqlite:PATH" or "postgres://USER@HOST/DB", got "${url.slice(0, 40)}"`,
    );
  }
  const path = match[1].replace(/^\/\/(?=\/)/, '');
  return { kind: 'sqlite', url, path: isAbsolute(path) ? path : resolve(cwd, path) };
}

function readPublicUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('KITH_PUBLIC_URL', `is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('KITH_PUBLIC_URL', 'must be an http:// or https:// URL');
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ConfigError('KITH_PUBLIC_URL', 'must be an origin only (no path, query or fragment)');
  }
  // Passkeys and Secure cookies need a secure context; plain http is one only on loopback.
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError('KITH_PUBLIC_URL', 'must use https:// unless the host is localhost');
  }
  return url;
}

/** Tells whether a host name is this machine (plain http is acceptable there). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function readMasterKeySource(
  env: Record<string, string | undefined>,
  database: DatabaseConfig,
  cwd: string,
): MasterKeySource {
  const value = readNonEmpty(env, 'KITH_MASTER_KEY');
  const file = readNonEmpty(env, 'KITH_MASTER_KEY_FILE');
  if (value !== undefined && file !== undefined) {
    throw new ConfigError('KITH_MASTER_KEY', 'set KITH_MASTER_KEY or KITH_MASTER_KEY_FILE, not both');
  }
  if (value !== undefined) return { kind: 'env', value };
  if (file !== undefined) return { kind: 'file', path: resolve(cwd, file), createIfMissing: false };
  const folder = database.kind === 'sqlite' ? resolve(database.path, '..') : resolve(cwd, 'data');
  return { kind: 'file', path: resolve(folder, 'master.key'), createIfMissing: true };
}

function readTrustedProxies(env: Record<string, string | undefined>): readonly string[] {
  const list = (readNonEmpty(env, 'KITH_TRUSTED_PROXIES') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of list) {
    try {
      compileTrustedProxies([entry]);
    } catch {
      throw new ConfigError('KITH_TRUSTED_PROXIES', `"${entry}" is not an IP address or CIDR range`);
    }
  }
  return Object.freeze(list);
}

function readLogLevel(raw: string): LogLevel {
  const level = raw.trim().toLowerCase();
  if (!logLevels.includes(level as LogLevel)) {
    throw new ConfigError('KITH_LOG_LEVEL', `expected one of ${logLevels.join(', ')}, got "${raw}"`);
  }
  return level as LogLevel;
}
