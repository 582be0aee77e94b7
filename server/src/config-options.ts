/** One environment variable: how it is read, its default, and what it means. */
export type ConfigOption =
  | { kind: 'integer'; default: number | undefined; min: number; max: number; description: string }
  | { kind: 'boolean'; default: boolean; description: string }
  | { kind: 'text'; default: string | undefined; shown?: string; description: string };

/**
 * Every option the server reads, its default and what it means (Markdown):
 * the one place each is documented. `pnpm config:docs` writes the README's
 * table from it. `main.ts` hands `process.env` to `loadConfig` (config.ts),
 * which reads and checks each; nothing else reads the environment.
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
  KITH_LOCK_TIMEOUT_MS: {
    kind: 'integer',
    default: 5000,
    min: 100,
    max: 60_000,
    description:
      "how long a write waits for a lock held elsewhere (SQLite: another process's write lock; PostgreSQL: a row a redeem must lock) before it is answered `503 SERVICE_UNAVAILABLE`",
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
