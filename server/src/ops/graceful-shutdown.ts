import type { Server } from 'node:http';

/** How often, while draining, connections that just finished their last answer are let go. */
const IDLE_SWEEP_MS = 100;

export interface DrainResult {
  /** True when every connection finished on its own; false when the grace ran out and the rest were cut. */
  drained: boolean;
}

/**
 * Stops an HTTP server within a bounded time, whatever its clients do:
 * it stops accepting at once, lets the requests in flight finish and their
 * answers go out, closes keep-alive connections as soon as they fall idle,
 * and when `graceMs` runs out destroys whatever is left — a client still
 * sending its headers, a slow reader, a request stuck in a handler.
 *
 * Node's own `close()` waits for every connection: one that never finishes
 * its headers holds it for `headersTimeout` (a minute), and an open
 * keep-alive connection that keeps sending requests holds it forever.
 *
 * @example
 * process.once('SIGTERM', async () => {
 *   await drainHttpServer(server, { graceMs: 10_000 });
 *   await vault.close();
 * });
 */
export function drainHttpServer(server: Server, { graceMs }: { graceMs: number }): Promise<DrainResult> {
  return new Promise((resolve) => {
    let drained = true;
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      drained = false;
      server.closeAllConnections();
    }, graceMs);
    // Every answer from now on closes its connection, so a keep-alive client cannot keep it open.
    server.on('request', (_req, res) => res.setHeader('connection', 'close'));
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve({ drained });
    });
    // A server that was never listening (or already closed) calls back with an error; either way it is done.
    server.closeIdleConnections();
  });
}
