import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Verifies Ed25519 signatures off the event loop, many per hand-off. */
export interface Ed25519Verifier {
  /**
   * True if `signature` is `publicKey`'s Ed25519 signature (RFC 8032) of
   * `message`. Keys and signatures of the wrong size do not verify.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** Stops the thread; verifications still waiting are refused with an error. */
  close(): Promise<void>;
}

const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
/** Verifications per batch at most, so one batch never holds up answers for long. */
const MAX_BATCH = 256;

// The verification thread. A batch arrives as one buffer of records, each
//   public key (32) | signature (64) | message length (uint32, little-endian) | message
// and goes back as one byte per record: 1 verifies, 0 does not.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.sodium);
parentPort.on('message', ({ id, count, records }) => {
  const bytes = Buffer.from(records);
  const results = new Uint8Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = bytes.readUInt32LE(at + 96);
    const message = bytes.subarray(at + 100, at + 100 + length);
    results[i] = sodium.crypto_sign_verify_detached(bytes.subarray(at + 32, at + 96), message, bytes.subarray(at, at + 32)) ? 1 : 0;
    at += 100 + length;
  }
  parentPort.postMessage({ id, results }, [results.buffer]);
});
`;

interface Pending {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
  resolve(verified: boolean): void;
  reject(error: unknown): void;
}

/**
 * Starts a verifier: one worker thread running libsodium, fed in batches.
 * Every redeem verifies one DPoP proof, the largest single cost of a redeem.
 * libsodium verifies Ed25519 in a fraction of OpenSSL 3.0's time (the
 * README's Performance section has the figures), and is the stricter of the two (S
 * must be reduced; non-canonical and small-order points are refused). Inline
 * it would still take the event loop's time; one libuv pool job per check
 * cost the loop as much again in hand-offs and wake-ups. Instead the checks
 * asked for in one turn of the event loop travel in one message and their
 * answers come back in one: under load, dozens per hand-off, on the core the
 * event loop is not using.
 *
 * The thread starts on first use, does not keep the process alive, and is
 * started again if it dies (the verifications it held are refused).
 *
 * @example
 * const verifier = createEd25519Verifier();
 * const ok = await verifier.verify(rawPublicKey, signingInput, signature);
 */
export function createEd25519Verifier({
  threadSource = WORKER_SOURCE,
}: {
  /** The thread's CommonJS source; tests give one that fails. */
  threadSource?: string;
} = {}): Ed25519Verifier {
  let worker: Worker | undefined;
  const queue: Pending[] = [];
  let scheduled = false;
  let nextId = 0;
  const inFlight = new Map<number, Pending[]>();

  const failAll = (error: unknown) => {
    for (const batch of inFlight.values()) for (const p of batch) p.reject(error);
    inFlight.clear();
  };

  const started = (): Worker => {
    if (worker) return worker;
    const sodium = createRequire(import.meta.url).resolve('sodium-native');
    const thread = new Worker(threadSource, { eval: true, workerData: { sodium } });
    thread.unref();
    thread.on('message', ({ id, results }: { id: number; results: Uint8Array }) => {
      const batch = inFlight.get(id);
      inFlight.delete(id);
      for (const [i, p] of (batch ?? []).entries()) p.resolve(results[i] === 1);
    });
    const gone = (error: unknown) => {
      if (worker !== thread) return;
      worker = undefined;
      failAll(error);
    };
    thread.on('error', gone);
    thread.on('exit', (code) => gone(new Error(`the Ed25519 verification thread exited (${code})`)));
    worker = thread;
    return thread;
  };

  const send = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      let size = 0;
      for (const p of batch) size += KEY_BYTES + SIGNATURE_BYTES + 4 + p.message.byteLength;
      // Its own ArrayBuffer (not Buffer's shared pool), so it can be transferred, not copied.
      const records = Buffer.from(new ArrayBuffer(size));
      let at = 0;
      for (const p of batch) {
        records.set(p.publicKey, at);
        records.set(p.signature, at + KEY_BYTES);
        at = records.writeUInt32LE(p.message.byteLength, at + KEY_BYTES + SIGNATURE_BYTES);
        records.set(p.message, at);
        at += p.message.byteLength;
      }
      const id = nextId++;
      inFlight.set(id, batch);
      try {
        started().postMessage({ id, count: batch.length, records: records.buffer }, [records.buffer]);
      } catch (error) {
        inFlight.delete(id);
        for (const p of batch) p.reject(error);
      }
    }
  };

  return {
    verify(publicKey, message, signature) {
      if (publicKey.byteLength !== KEY_BYTES || signature.byteLength !== SIGNATURE_BYTES)
        return Promise.resolve(false);
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ publicKey, message, signature, resolve, reject });
        if (scheduled) return;
        scheduled = true;
        // After the poll phase: every request parsed in this turn joins the batch.
        setImmediate(send);
      });
    },
    async close() {
      const thread = worker;
      worker = undefined;
      const closed = new Error('the Ed25519 verifier is closed');
      for (const p of queue.splice(0)) p.reject(closed);
      failAll(closed);
      await thread?.terminate();
    },
  };
}
