import { Hono } from 'hono';
import type { Metrics } from './metrics.ts';

/**
 * `GET /metrics` in the Prometheus text format, for the main app or a
 * listener of its own (`KITH_METRICS_PORT`).
 *
 * @example
 * serve({ fetch: createMetricsRoutes(metrics).fetch, port: 9100 });
 */
export function createMetricsRoutes(metrics: Metrics) {
  return new Hono().get('/metrics', async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, {
      'content-type': metrics.registry.contentType,
      'cache-control': 'no-store',
    });
  });
}
