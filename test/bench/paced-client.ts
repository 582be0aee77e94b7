/**
 * An open-loop load generator in its own process, for p99 at half load: it
 * offers `rate` requests per second evenly spread over time, whatever the
 * server answers — a stalled server meets requests piling up, and shows it as
 * latency instead of silently lowering the rate — and times each from when
 * it was written to when its answer was read. It reports, apart, how late it
 * wrote requests (its own jitter: a 1 ms timer and a shared machine).
 * autocannon cannot do this: its rate limit sends each second's quota as one burst.
 *
 * Lean on purpose — raw keep-alive sockets, requests serialised before the
 * run, responses read by their Content-Length — so the client's own event
 * loop and garbage collector add as little as possible to what it measures.
 *
 * Run by the benchmark (`drivePaced` in redeem.bench.ts), which imports only its types:
 *   node --import tsx test/bench/paced-client.ts PLAN.json OUTCOME.json
 * PLAN: { targets: ["http://127.0.0.1:PORT"], path, rate, seconds, headers: [{…}, …] | null }.
 * OUTCOME, written at the end: { seconds, latencies (ms, sorted), lateP99, statuses, failed, exhausted }.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export interface PacedPlan {
  targets: string[];
  path: string;
  rate: number;
  seconds: number;
  /** One header set per request, each used once; null: every request the same, without credentials. */
  headers: Array<Record<string, string>> | null;
}

export interface PacedOutcome {
  seconds: number;
  /** From when each request was written to when its answer was read, ms, sorted. */
  latencies: number[];
  /** How late after its due time the client wrote a request, p99, ms: this client's own jitter. */
  lateP99: number;
  statuses: Record<string, number>;
  failed: number;
  exhausted: number;
}

/** More open sockets than this per target means the server is far behind: count as failed instead. */
const MAX_SOCKETS_PER_TARGET = 512;
const TIMEOUT_MS = 10_000;

/** A keep-alive connection and the one request it has in flight (HTTP/1.1, no pipelining). */
interface Connection {
  socket: Socket;
  buffered: Buffer;
  /** When the request in flight was written, or undefined when idle. */
  sentAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

async function runPaced(plan: PacedPlan): Promise<PacedOutcome> {
  const total = Math.round(plan.rate * plan.seconds);
  const latencies: number[] = [];
  const lateness: number[] = [];
  const statuses: Record<string, number> = {};
  let failed = 0;
  let exhausted = 0;
  let settled = 0;
  let allSettled: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  const settle = () => {
    if (++settled === total) allSettled();
  };

  const targets = plan.targets.map((url) => {
    const { hostname, port } = new URL(url);
    return {
      host: hostname,
      port: Number(port),
      hostHeader: `${hostname}:${port}`,
      idle: [] as Connection[],
      open: 0,
    };
  });
  // Serialised up front: the run itself only writes bytes.
  const requests: Buffer[] = Array.from({ length: total }, (_, i) => {
    const target = targets[i % targets.length] as (typeof targets)[number];
    let headers = plan.headers?.[i];
    if (plan.headers && !headers) {
      exhausted++;
      headers = plan.headers[i % plan.headers.length];
    }
    const lines = [`GET ${plan.path} HTTP/1.1`, `host: ${target.hostHeader}`];
    for (const [name, value] of Object.entries(headers ?? {})) lines.push(`${name}: ${value}`);
    return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  });

  const finish = (target: (typeof targets)[number], conn: Connection, status: number | undefined) => {
    clearTimeout(conn.timer);
    const sentAt = conn.sentAt as number;
    conn.sentAt = undefined;
    if (status === undefined) failed++;
    else {
      latencies.push(performance.now() - sentAt);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    settle();
    if (status !== undefined && !conn.socket.destroyed) target.idle.push(conn);
  };

  const open = (target: (typeof targets)[number]): Connection => {
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    target.open++;
    const conn: Connection = { socket, buffered: Buffer.alloc(0), sentAt: undefined, timer: undefined };
    socket.on('data', (chunk: Buffer) => {
      conn.buffered = conn.buffered.length === 0 ? chunk : Buffer.concat([conn.buffered, chunk]);
      const status = readResponse(conn);
      if (status !== undefined) finish(target, conn, status);
    });
    const lost = () => {
      target.open--;
      const at = target.idle.indexOf(conn);
      if (at >= 0) target.idle.splice(at, 1);
      if (conn.sentAt !== undefined) finish(target, conn, undefined);
    };
    socket.on('error', () => {});
    socket.on('close', lost);
    return conn;
  };

  const send = (index: number, due: number) => {
    const target = targets[index % targets.length] as (typeof targets)[number];
    // First in, first out: every connection stays busy enough that the server never closes it as idle.
    let conn = target.idle.shift();
    if (!conn) {
      if (target.open >= MAX_SOCKETS_PER_TARGET) {
        failed++;
        settle();
        return;
      }
      conn = open(target);
    }
    const sending = conn;
    conn.timer = setTimeout(() => sending.socket.destroy(), TIMEOUT_MS);
    conn.sentAt = performance.now();
    lateness.push(conn.sentAt - due);
    conn.socket.write(requests[index] as Buffer);
  };

  // Enough connections for 10 ms of answers in flight, opened before the clock starts.
  const warm = Math.min(MAX_SOCKETS_PER_TARGET, Math.ceil(plan.rate / targets.length / 100) + 8);
  await Promise.all(
    targets.flatMap((target) =>
      Array.from({ length: warm }, () => {
        const conn = open(target);
        target.idle.push(conn);
        return new Promise((resolve) => conn.socket.once('connect', resolve).once('close', resolve));
      }),
    ),
  );

  const interval = 1000 / plan.rate;
  const started = performance.now();
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && started + next * interval <= now) {
      send(next, started + next * interval);
      next++;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (total > 0) await done;
  const seconds = (performance.now() - started) / 1000;
  for (const target of targets) for (const conn of target.idle) conn.socket.destroy();
  latencies.sort((a, b) => a - b);
  lateness.sort((a, b) => a - b);
  const lateP99 = lateness[Math.floor(lateness.length * 0.99)] ?? 0;
  return { seconds, latencies, lateP99, statuses, failed, exhausted };
}

/**
 * The status of the complete response at the head of `conn.buffered`, which
 * it consumes; undefined while incomplete. Every answer here carries a
 * Content-Length (Hono's JSON answers and problems do).
 */
function readResponse(conn: Connection): number | undefined {
  const end = conn.buffered.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = conn.buffered.toString('latin1', 0, end);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (!length) {
    // Not something this client reads: count it as failed and drop the connection.
    conn.socket.destroy();
    return undefined;
  }
  const size = end + 4 + Number(length[1]);
  if (conn.buffered.length < size) return undefined;
  conn.buffered = conn.buffered.subarray(size);
  return Number(head.slice(9, 12));
}

// A script: the harness imports only its types. The outcome goes to a file: on
// POSIX, stdout into a pipe is written asynchronously, and exiting cuts a large one short.
const [planPath, outcomePath] = process.argv.slice(2) as [string, string];
const plan = JSON.parse(readFileSync(planPath, 'utf8')) as PacedPlan;
writeFileSync(outcomePath, JSON.stringify(await runPaced(plan)));
process.exit(0);
