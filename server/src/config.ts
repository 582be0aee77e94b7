import { isAbsolute, resolve } from 'node:path';
import { compileTrustedProxies } from './http/client-address.ts';

/**
 * Every option the server reads, its default and what it means. `main.ts`
 * hands `process.env` to `loadConfig`; nothing else reads the environment.
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | KITH_DATABASE_URL | `sqlite:./data/kith.sqlite` | `sqlite:PATH` (embedded, one file) or `postgres://…` (shared by several processes) |
 * | KITH_PORT | `3000` | TCP port to listen on |
 * | KITH_HOST | `127.0.0.1` | address to listen on; `0.0.0.0` to listen on every interface |
 * | KITH_PUBLIC_URL | `http://localhost:PORT` | the origin people and vendors reach; passkeys and tokens are bound to it |
 * | KITH_MASTER_KEY | — | 32 bytes, base64 or hex: wraps every owner's data key |
 * | KITH_MASTER_KEY_FILE | `<database folder>/master.key` | a file holding the master key; generated (0600) on first start when neither is set |
 * | KITH_BODY_LIMIT_BYTES | `102400` | the largest request body accepted |
 * | KITH_SESSION_IDLE_MINUTES | `30` | a session unused this long ends |
 * | KITH_SESSION_ABSOLUTE_HOURS | `12` | a session ends this long after sign-in, used or not |
 * | KITH_SIGN_IN_MAX_ATTEMPTS | `20` | failed sign-in attempts counted per window against each client address and, for passkeys, each credential named (recovery codes and passkeys in separate budgets); past it failures are `RATE_LIMITED` and recovery codes are refused, but a valid passkey is always accepted. Also the budget of wrong user codes one owner may type |
 * | KITH_SIGN_IN_WINDOW_MINUTES | `15` | the window those attempts are counted in |
 * | KITH_VENDOR_RATE_LIMIT_PER_MINUTE | `600` | requests one authenticated vendor (client id) may make per minute to the vendor endpoints that come before a grant (asking, collecting, acknowledging); the same number of unauthenticated (failed) requests one client address may make, in a separate budget; more are `RATE_LIMITED` |
 * | KITH_TRUSTED_PROXIES | — (none) | comma-separated addresses or CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`) of reverse proxies whose `X-Forwarded-For` (or, without it, `Forwarded`) is believed; the client address is then its right-most hop that is not one of them. Empty: the header is ignored and the peer address is the client |
 * | KITH_LOG_LEVEL | `info` | `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` |
 * | KITH_DEV_ALLOW_LOCAL_VENDORS | `false` | development only: accept `http://localhost…` and `http://127.0.0.1…` vendor client ids and webhook URIs (a loud warning is printed at start-up); never in production |
 * | KITH_DELIVERY_WORKER | `true` | whether this process delivers webhooks; with several processes on one PostgreSQL any number may (claims never overlap) |
 * | KITH_WEBHOOK_TIMEOUT_SECONDS | `10` | how long one webhook attempt may take, reading the answer included (at most 64 KiB of its body are read); then its connection is closed, and an attempt that got no status by then counts as failed |
 * | KITH_WEBHOOK_RETRY_HOURS | `72` | how long a failing event is retried (exponential backoff with full jitter) before it is marked failed |
 * | KITH_DELIVERY_BATCH_SIZE | `50` | how many due webhooks the delivery worker claims at once and sends concurrently (at most that many requests in flight); 1–500 |
 * | KITH_SHUTDOWN_GRACE_SECONDS | `10` | on SIGTERM or SIGINT: stop accepting, let requests in flight finish for at most this long, then cut what is left and close; 1–600 |
 * | KITH_METRICS | `false` (`true` when KITH_METRICS_PORT is set) | serve Prometheus metrics at `/metrics` (on the main port unless KITH_METRICS_PORT is set) |
 * | KITH_METRICS_PORT | — | serve `/metrics` on this port instead (on KITH_HOST), apart from the public one |
 */
export interface Config {
  database: DatabaseConfig;
  port: number;
  host: string;
  publicUrl: URL;
  masterKey: MasterKeySource;
  bodyLimitBytes: number;
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
  const port = readInteger(env, 'KITH_PORT', 3000, 1, 65535);
  const database = readDatabase(env.KITH_DATABASE_URL ?? 'sqlite:./data/kith.sqlite', cwd);
  return {
    database,
    port,
    host: readNonEmpty(env, 'KITH_HOST') ?? '127.0.0.1',
    publicUrl: readPublicUrl(env.KITH_PUBLIC_URL ?? `http://localhost:${port}`),
    masterKey: readMasterKeySource(env, database, cwd),
    bodyLimitBytes: readInteger(env, 'KITH_BODY_LIMIT_BYTES', 100 * 1024, 1024, 10 * 1024 * 1024),
    session: {
      idleMs: readInteger(env, 'KITH_SESSION_IDLE_MINUTES', 30, 1, 60 * 24 * 30) * 60_000,
      absoluteMs: readInteger(env, 'KITH_SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 90) * 3_600_000,
    },
    vendorRateLimit: {
      maxRequests: readInteger(env, 'KITH_VENDOR_RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
      windowMs: 60_000,
    },
    signIn: {
      maxAttempts: readInteger(env, 'KITH_SIGN_IN_MAX_ATTEMPTS', 20, 1, 10_000),
      windowMs: readInteger(env, 'KITH_SIGN_IN_WINDOW_MINUTES', 15, 1, 24 * 60) * 60_000,
    },
    trustedProxies: readTrustedProxies(env),
    logLevel: readLogLevel(env.KITH_LOG_LEVEL ?? 'info'),
    devAllowLocalVendors: readBoolean(env, 'KITH_DEV_ALLOW_LOCAL_VENDORS', false),
    webhooks: {
      deliver: readBoolean(env, 'KITH_DELIVERY_WORKER', true),
      timeoutMs: readInteger(env, 'KITH_WEBHOOK_TIMEOUT_SECONDS', 10, 1, 60) * 1000,
      retryForMs: readInteger(env, 'KITH_WEBHOOK_RETRY_HOURS', 72, 1, 24 * 30) * 3_600_000,
      batchSize: readInteger(env, 'KITH_DELIVERY_BATCH_SIZE', 50, 1, 500),
    },
    shutdownGraceMs: readInteger(env, 'KITH_SHUTDOWN_GRACE_SECONDS', 10, 1, 600) * 1000,
    metrics: readMetrics(env, port),
  };
}

function readMetrics(env: Record<string, string | undefined>, mainPort: number): Config['metrics'] {
  const port =
    readNonEmpty(env, 'KITH_METRICS_PORT') === undefined
      ? undefined
      : readInteger(env, 'KITH_METRICS_PORT', 0, 1, 65535);
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

function readInteger(
  env: Record<string, string | undefined>,
  name: string,
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

function readBoolean(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
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
