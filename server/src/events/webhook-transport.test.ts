import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardedWebhookFetch, WEBHOOK_MAX_RESPONSE_BYTES } from './webhook-transport.ts';

/** A receiver on 127.0.0.1 that answers every POST with `answer`, and tells when each connection closed. */
async function startReceiver(answer: (res: http.ServerResponse) => void) {
  const closed: Promise<void>[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    answer(res);
  });
  server.on('connection', (socket) => {
    closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    /** Resolves once every connection the receiver accepted is closed, or rejects after `ms`. */
    allClosed: (ms: number) =>
      Promise.race([
        Promise.all(closed),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`a connection still open after ${ms} ms`)), ms),
        ),
      ]),
    connections: () => closed.length,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes 16 KiB chunks for as long as the peer reads them, and never ends. */
function streamForever(res: http.ServerResponse) {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(16 * 1024, 0x61);
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) {}
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

const post = guardedWebhookFetch({ allowLoopback: true });
const init = (signal: AbortSignal) => ({
  method: 'POST' as const,
  headers: { 'content-type': 'application/json' },
  body: '{"type":"profile.updated"}',
  signal,
});

describe('guardedWebhookFetch: a receiver cannot hold the socket or the memory', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('reads at most the byte bound of an endless body, then closes the connection before the timeout', async () => {
    receiver = await startReceiver(streamForever);
    const signal = AbortSignal.timeout(20_000);
    const answer = await post(receiver.url, init(signal));
    expect(answer.status).toBe(200);
    expect(answer.bodyBytes).toBeLessThanOrEqual(WEBHOOK_MAX_RESPONSE_BYTES);
    // The bound ended the attempt, not the deadline.
    expect(signal.aborted).toBe(false);
    await receiver.allClosed(5_000);
    expect(receiver.connections()).toBe(1);
  });

  it('ends an attempt whose body never finishes at the deadline, keeping the status, and closes the connection', async () => {
    // The status line and one byte, then nothing more, ever.
    receiver = await startReceiver((res) => {
      res.writeHead(202, { 'content-type': 'text/plain' });
      res.write('k');
    });
    const started = performance.now();
    const answer = await post(receiver.url, init(AbortSignal.timeout(300)));
    expect(answer).toEqual({ status: 202, bodyBytes: 1 });
    // Bounded waits, not a speed check: without the deadline this would hang until the receiver gave up.
    expect(performance.now() - started).toBeLessThan(10_000);
    await receiver.allClosed(5_000);
  });

  it('reads a short body to its end and closes the connection', async () => {
    receiver = await startReceiver((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    expect(await post(receiver.url, init(AbortSignal.timeout(20_000)))).toEqual({
      status: 200,
      bodyBytes: 2,
    });
    await receiver.allClosed(5_000);
  });

  it('fails an attempt whose receiver never answers, at the deadline', async () => {
    receiver = await startReceiver(() => {});
    const signal = AbortSignal.timeout(300);
    await expect(post(receiver.url, init(signal))).rejects.toThrow();
    expect(signal.aborted).toBe(true);
    await receiver.allClosed(5_000);
  });

  it('leaves no connection open after twenty streaming answers', async () => {
    receiver = await startReceiver(streamForever);
    const url = receiver.url;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(url, init(AbortSignal.timeout(20_000)))),
    );
    expect(answers.every((a) => a.status === 200 && (a.bodyBytes ?? 0) <= WEBHOOK_MAX_RESPONSE_BYTES)).toBe(
      true,
    );
    await receiver.allClosed(5_000);
    expect(receiver.connections()).toBe(20);
  });
});
