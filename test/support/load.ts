/**
 * Helpers for the fault, race and hostile-input tests: raw HTTP over a socket
 * (for requests `fetch` will not send — chunked bodies written slowly,
 * thousands of headers), a bounded concurrency pool, and how many rounds a
 * run does.
 */
import { connect } from 'node:net';

/**
 * How many rounds a fault test runs: its CI minimum, or `KITH_FAULT_ROUNDS`
 * (for a longer local run) when that is larger.
 *
 * @example
 * const kills = faultRounds(20); // KITH_FAULT_ROUNDS=200 pnpm test test/fault
 */
export function faultRounds(ciMinimum: number): number {
  const asked = Number(process.env.KITH_FAULT_ROUNDS ?? '');
  return Number.isInteger(asked) && asked > ciMinimum ? asked : ciMinimum;
}

/** What came back on a raw socket. */
export interface RawResponse {
  /** The status code, or null when the server closed without answering. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (rather than the test giving up). */
  closed: boolean;
  /** Milliseconds from the first byte written to the end of the answer. */
  ms: number;
}

/**
 * Writes `head` (request line and headers, up to and including the blank
 * line) and then each chunk of `body` in turn, stopping early once the
 * server has answered; resolves when the server has sent a whole answer (a
 * `content-length` body) or closed, or after `timeoutMs`.
 */
export function rawRequest(
  port: number,
  head: string,
  body: Iterable<Buffer | string> = [],
  options: { timeoutMs?: number } = {},
): Promise<RawResponse> {
  const { timeoutMs = 10_000 } = options;
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ port, host: '127.0.0.1' });
    let received = Buffer.alloc(0);
    let answered: Omit<RawResponse, 'closed' | 'ms'> | undefined;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...(answered ?? parse(received)), closed, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const parsed = parse(received);
      const length = Number(parsed.headers['content-length'] ?? Number.NaN);
      if (parsed.status !== null && Buffer.byteLength(parsed.body) >= length) {
        answered = parsed;
        finish(false);
      }
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      socket.write(head);
      for (const chunk of body) {
        if (done || socket.destroyed || received.length > 0) break;
        // Back-pressure: a server that stopped reading makes the write wait, as it would a real client.
        if (!socket.write(chunk)) {
          await new Promise<void>((r) => {
            const go = () => r();
            socket.once('drain', go);
            socket.once('close', go);
          });
        }
      }
    });
  });
}

function parse(bytes: Buffer): Omit<RawResponse, 'closed' | 'ms'> {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: null, headers: {}, body: '' };
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number.isNaN(status) ? null : status,
    headers,
    body: bytes.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1')).toString('utf8'),
  };
}

/**
 * Runs `task` for every item with at most `concurrency` in flight, keeping
 * the answers in order.
 */
export async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let nextIndex = 0;
  const worker = async () => {
    for (;;) {
      const index = nextIndex++;
      if (index >= items.length) return;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
