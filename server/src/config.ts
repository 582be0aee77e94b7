import { isAbsolute, resolve } from 'node:path';
import { compileTrustedProxies } from './http/client-address.ts';

/** One environment variable: how it is read, its default, and what it means. */
export type ConfigOption =
  | { kind: 'integer'; default: number | undefined; min: number; max: number; description: string }
  | { kind: 'boolean'; default: boolean; description: string }
  | { kind: 'text'; default: string | undefined; shown?: string; description: string };

/**
 * Every option the server reads, its default and what it means (Markdown):
 * the one place each is documented. `pnpm config:docs` writes the README's
 * table from it. `main.ts` hands `process.env` to `loadConfig`; nothing else
 * reads the environment.
 */
export const configOptions = {
  KITH_DATABASE_URL: {
    kind: 'text',
    default: 'sqlite:./data/kith.sqlite',
    description: '`sqlite:PATH` (embedded, one file, WAL) or `postgres://…` (shared by several processes)',
  },
  KITH_PORT: {
    kind: 'integer',
    default: 3000,
    min: 1,
    max: 65535,
    description: 'TCP port to listen on',
  },
  KITH_HOST: {
    kind: 'text',
    default: '127.0.0.1',
    description: 'address to listen on; `0.0.0.0` for every interface (put a TLS proxy in front)',
  },
  KITH_PUBLIC_URL: {
    kind: 'text',
    default: undefined,
    shown: '`http://localhost:PORT`',
    description:
      'the origin people and vendors reach; must be `https://` unless it is localhost. Passkeys and tokens are bound to it',
  },
  KITH_MASTER_KEY: {
    kind: 'text',
    default: undefined,
    description: "32 random bytes, base64 or hex (`openssl rand -base64 32`); wraps every owner's data key",
  },
  KITH_MASTER_KEY_FILE: {
    kind: 'text',
    default: undefined,
    shown: '`<database folder>/master.key`',
    description: 'a file holding the master key; generated (0600) on first start when neither is set',
  },
  KITH_BODY_LIMIT_BYTES: {
    kind: 'integer',
    default: 100 * 1024,
    min: 1024,
    max: 10 * 1024 * 1024,
    description: 'the largest request body accepted (`413 BODY_TOO_LARGE` beyond)',
  },
  KITH_SESSION_IDLE_MINUTES: {
    kind: 'integer',
    default: 30,
    min: 1,
    max: 60 * 24 * 30,
    description: 'an owner session unused this long ends',
  },
  KITH_SESSION_ABSOLUTE_HOURS: {
    kind: 'integer',
    default: 12,
    min: 1,
    max: 24 * 90,
    description: 'a session ends this long after sign-in, used or not',
  },
  KITH_LOG_LEVEL: {
    kind: 'text',
    default: 'info',
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`',
  },
  KITH_DEV_ALLOW_LOCAL_VENDORS: {
    kind: 'boolean',
    default: false,
    description:
      'development only: accept vendors whose client id is on this machine (`http://localhost`, `http://127.0.0.1`); a loud warning at start',
  },
  KITH_VENDOR_RATE_LIMIT_PER_MINUTE: {
    kind: 'integer',
    default: 600,
    min: 1,
    max: 1_000_000,
    description:
      'requests one vendor (client id, once its assertion verified) may make per minute to the endpoints that come before a grant (asking, collecting, acknowledging an erasure); failed requests one client address may make, in a separate budget of the same size; more are `429 RATE_LIMITED`',
  },
  KITH_SIGN_IN_MAX_ATTEMPTS: {
    kind: 'integer',
    default: 20,
    min: 1,
    max: 10_000,
    description:
      'failures counted per window, each kind in its own budget: failed passkey sign-ins per client address and per credential named, wrong recovery codes per client address, failed re-authentications and wrong user codes per owner. See [Behind a reverse proxy](#behind-a-reverse-proxy)',
  },
  KITH_SIGN_IN_WINDOW_MINUTES: {
    kind: 'integer',
    default: 15,
    min: 1,
    max: 24 * 60,
    description: 'the window those failures are counted in',
  },
  KITH_TRUSTED_PROXIES: {
    kind: 'text',
    default: undefined,
    shown: '— (none)',
    description:
      'comma-separated addresses or CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`) of the reverse proxies in front of Kith; only requests from them have `X-Forwarded-For` (or `Forwarded`) believed. Empty: both are ignored',
  },
  KITH_DELIVERY_WORKER: {
    kind: 'boolean',
    default: true,
    description:
      'whether this process delivers webhooks; several processes on one PostgreSQL may all deliver (claims never overlap)',
  },
  KITH_WEBHOOK_TIMEOUT_SECONDS: {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 60,
    description:
      'how long one webhook attempt may take, reading the answer included; then its connection is closed (see [Webhooks](#webhooks))',
  },
  KITH_WEBHOOK_RETRY_HOURS: {
    kind: 'integer',
    default: 72,
    min: 1,
    max: 24 * 30,
    description:
      'how long a failing event is retried (exponential backoff, full jitter) before it is marked failed',
  },
  KITH_DELIVERY_BATCH_SIZE: {
    kind: 'integer',
    default: 50,
    min: 1,
    max: 500,
    description:
      'how many due webhooks the delivery worker claims at once and sends concurrently (at most that many requests in flight); 1–500',
  },
  KITH_SHUTDOWN_GRACE_SECONDS: {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 600,
    description:
      'on `SIGTERM`/`SIGINT`: stop accepting, let requests in flight finish for at most this long, then close what is left (a client stuck mid-request included) and exit; 1–600',
  },
  KITH_METRICS: {
    kind: 'boolean',
    default: false,
    description:
      'serve Prometheus metrics at `/metrics` on the main port (see "Monitor"); `true` by default when `KITH_METRICS_PORT` is set',
  },
  KITH_METRICS_PORT: {
    kind: 'integer',
    default: undefined,
    min: 1,
    max: 65535,
    description: 'serve `/metrics` on this port instead (on `KITH_HOST`), apart from the public port',
  },
} as const satisfies Record<`KITH_${string}`, ConfigOption>;

/** The name of an environment variable the server reads. */
export type ConfigVariable = keyof typeof configOptions;

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
