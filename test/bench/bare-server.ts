/**
 * The ceiling: a bare Hono route on @hono/node-server answering `GET /v1/data`
 * with the same JSON a redeem answers (same size), and `/healthz`. Run as its
 * own process by the benchmark: `node --import tsx test/bench/bare-server.ts PORT`
 * with the body in `BENCH_BODY`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.argv[2]);
const body = JSON.parse(process.env.BENCH_BODY ?? '{}') as Record<string, unknown>;

const app = new Hono();
app.get('/healthz', (c) => c.json({ ok: true }));
// Serialised per request, as the real route does.
app.get('/v1/data', (c) => c.json(body));

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
