import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { GroupCommit } from '../db/group-commit.ts';

/** The redeem: the route whose latency vendors feel. */
const REDEEM_ROUTE = '/v1/data';
/** Methods a label may carry; anything else a client invents is counted as `OTHER`. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The server's Prometheus metrics. Labels are route patterns, methods and
 * statuses only: never a raw URL (paths and query strings can carry codes,
 * grant ids and user codes), never an owner, a vendor or a field.
 */
export interface Metrics {
  registry: Registry;
  /** Called once per answered request, with the matched route pattern (not the URL). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

/**
 * Builds the metrics of one server process. Counts and latencies are kept as
 * requests are answered; the webhook backlog and the erasures are read from
 * the database when Prometheus scrapes, so they are the same from every
 * process sharing one PostgreSQL.
 *
 * @example
 * const metrics = createMetrics({ db, clock: systemClock });
 * const app = createApp({ ...deps, metrics });
 */
export function createMetrics(deps: {
  db: Db;
  clock: Clock;
  groupCommit?: GroupCommit | undefined;
}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kith_' });

  const requests = new Counter({
    name: 'kith_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const redeems = new Histogram({
    name: 'kith_redeem_duration_seconds',
    help: 'Time to answer a redeem (GET /v1/data), from the request to the answer, by status.',
    labelNames: ['status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const groupSizes = new Histogram({
    name: 'kith_group_commit_units',
    help: 'Write units (redeems and other small writes) committed together in one SQLite transaction and fsync.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
  deps.groupCommit?.observeCommits((units) => groupSizes.observe(units));

  new Gauge({
    name: 'kith_webhook_backlog',
    help: 'Webhook deliveries not yet delivered and still being tried.',
    registers: [registry],
    async collect() {
      this.set(await countDeliveries(deps.db, 'pending'));
    },
  });
  new Gauge({
    name: 'kith_webhook_retrying',
    help: 'Webhook deliveries pending after at least one failed attempt.',
    registers: [registry],
    async collect() {
      const row = await deps.db
        .selectFrom('deliveries')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'pending')
        .where('attempts', '>', 0)
        .executeTakeFirstOrThrow();
      this.set(Number(row.n));
    },
  });
  new Gauge({
    name: 'kith_webhook_failed',
    help: 'Webhook deliveries given up on after the retry period (failed) or refused by the vendor (disabled).',
    registers: [registry],
    async collect() {
      this.set((await countDeliveries(deps.db, 'failed')) + (await countDeliveries(deps.db, 'disabled')));
    },
  });
  new Gauge({
    name: 'kith_erasures_pending',
    help: 'Erasure requests the vendor has not acknowledged yet, deadline not passed.',
    registers: [registry],
    async collect() {
      this.set(await countErasures(deps.db, '>=', deps.clock.now()));
    },
  });
  new Gauge({
    name: 'kith_erasures_overdue',
    help: 'Erasure requests past their deadline and still not acknowledged.',
    registers: [registry],
    async collect() {
      this.set(await countErasures(deps.db, '<', deps.clock.now()));
    },
  });

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      const code = String(status);
      requests.inc({ method: METHODS.has(method) ? method : 'OTHER', route, status: code });
      if (route === REDEEM_ROUTE) redeems.observe({ status: code }, seconds);
    },
  };
}

async function countDeliveries(db: Db, status: 'pending' | 'failed' | 'disabled'): Promise<number> {
  const row = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('status', '=', status)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function countErasures(db: Db, comparison: '>=' | '<', now: number): Promise<number> {
  const row = await db
    .selectFrom('erasure_requests')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('acknowledged_at', 'is', null)
    .where('deadline', comparison, now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
