import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { KithError } from '../http/kith-error.ts';
import {
  advanceAccessLogCheckpoint,
  findAccessLogChain,
  findAccessLogCheckpoint,
  findAccessLogHash,
  findAuditHead,
  replaceAccessLogCheckpoint,
} from './audit.repository.ts';
import {
  type ChainPoint,
  type ChainVerification,
  chainStart,
  continueChain,
  endsAtHead,
  verifyAccessLog,
} from './audit.service.ts';

/**
 * What the owner's pages say about their access log: intact, broken, or
 * still being checked (a long stretch of new entries is verified in the
 * background, and `verified` says how far it has got).
 */
export type AccessLogStatus =
  | ChainVerification
  | { ok: null; checking: true; entries: number; verified: number };

export interface AccessLogVerifierDeps {
  clock: Clock;
  /** Told when a background check fails for a reason other than a broken chain. */
  logger?: Logger;
}

/** How much verification work the verifier has done, for tests and metrics. */
export interface AccessLogVerifierStats {
  /** Log rows read and checked while a caller waited for the answer. */
  onRequest: number;
  /** Log rows read and checked in the background. */
  inBackground: number;
}

export interface AccessLogVerifier {
  /**
   * The owner's chain as far as it is known, going on from the owner's
   * checkpoint: up to `inlineLimit` new entries are verified before
   * answering; a longer stretch is verified in the background, in steps
   * that let the event loop serve other requests, and the answer says
   * "checking". Never reads more than `inlineLimit + 1` log rows itself.
   */
  status(deps: AccessLogVerifierDeps, ownerId: string): Promise<AccessLogStatus>;
  readonly stats: AccessLogVerifierStats;
  /** Resolves once no background check is running (tests). */
  idle(): Promise<void>;
  /** Stops the background checks at their next step (their progress is saved) and waits for them. */
  stop(): Promise<void>;
}

/** What reads the owner's chain status: the vault's verifier (`Vault.accessLogVerifier`). */
export interface AccessLogDeps {
  accessLogVerifier: AccessLogVerifier;
}

export interface AccessLogVerifierOptions {
  /** The most new entries a caller waits to have verified (each costs the event loop a hash). */
  inlineLimit?: number;
  /** Entries per background step; the event loop runs other work between steps. */
  stepSize?: number;
  /** A background check saves its progress as the checkpoint about this often, in entries. */
  saveEvery?: number;
}

/**
 * A verifier over `db` with its own background checks. The server's one is
 * the vault's (`openVault` makes it, and its close stops it); tests make
 * others for other limits.
 *
 * @example
 * const verifier = createAccessLogVerifier(db);
 * const status = await verifier.status({ clock, logger }, owner.id);
 */
export function createAccessLogVerifier(db: Db, options: AccessLogVerifierOptions = {}): AccessLogVerifier {
  const inlineLimit = options.inlineLimit ?? 1000;
  // A step is a few milliseconds of hashing (the README says how many): a request arriving meanwhile waits no longer.
  const stepSize = options.stepSize ?? 250;
  const saveEvery = options.saveEvery ?? 50_000;
  const stats: AccessLogVerifierStats = { onRequest: 0, inBackground: 0 };
  /** Background checks running in this process, by owner, with how far each has got. */
  const running = new Map<string, { done: Promise<void>; point: ChainPoint }>();
  let stopped = false;

  async function status(deps: AccessLogVerifierDeps, ownerId: string): Promise<AccessLogStatus> {
    // The checkpoint first, then the head: a checkpoint saved between the two reads
    // (by another request or process) would otherwise look ahead of the head.
    const checkpoint = await findAccessLogCheckpoint(db, ownerId);
    const head = await findAuditHead(db, ownerId);
    if (!head) throw new KithError('NOT_FOUND');
    if (checkpoint && checkpoint.broken_at !== null) {
      return {
        ok: false,
        entries: checkpoint.seq,
        brokenAt: checkpoint.broken_at,
        reason: checkpoint.reason ?? '',
      };
    }
    const from = checkpoint ? { seq: checkpoint.seq, hash: checkpoint.hash } : chainStart(ownerId);

    // The checkpoint must still be in the chain: an entry at or before it rewritten
    // with its hashes recomputed changes the checkpoint's entry too. (One altered
    // without recomputing its hash is found by `kith audit verify`, which rehashes all.)
    if (from.seq > head.audit_seq) {
      return record(deps, ownerId, {
        ok: false,
        entries: head.audit_seq,
        brokenAt: head.audit_seq + 1,
        reason: 'entries after the last one found are missing',
      });
    }
    if (from.seq > 0) {
      stats.onRequest++;
      const anchor = await findAccessLogHash(db, ownerId, from.seq);
      if (anchor !== from.hash) {
        return record(deps, ownerId, {
          ok: false,
          entries: from.seq - 1,
          brokenAt: from.seq,
          reason:
            anchor === undefined
              ? `entry ${from.seq} is missing`
              : 'the chain was rewritten at or before this entry',
        });
      }
    }

    const background = running.get(ownerId);
    if (background)
      return { ok: null, checking: true, entries: head.audit_seq, verified: background.point.seq };
    if (head.audit_seq - from.seq > inlineLimit) {
      startBackground(deps, ownerId, from, head);
      return { ok: null, checking: true, entries: head.audit_seq, verified: from.seq };
    }

    const rows = await findAccessLogChain(db, ownerId, {
      afterSeq: from.seq,
      throughSeq: head.audit_seq,
      limit: inlineLimit,
    });
    stats.onRequest += rows.length;
    const step = continueChain(from, rows);
    if (!step.ok) return record(deps, ownerId, step);
    const result = endsAtHead(step.point, head);
    if (!result.ok) return record(deps, ownerId, result);
    if (step.point.seq > from.seq) await save(deps, ownerId, step.point);
    return result;
  }

  function startBackground(
    deps: AccessLogVerifierDeps,
    ownerId: string,
    from: ChainPoint,
    head: { audit_seq: number; audit_hash: string },
  ) {
    const job = { point: from, done: Promise.resolve() };
    job.done = (async () => {
      let saved = from.seq;
      try {
        while (!stopped && job.point.seq < head.audit_seq) {
          // A turn of the event loop between steps: the requests that arrived meanwhile go first.
          await new Promise((resolve) => setImmediate(resolve));
          const rows = await findAccessLogChain(db, ownerId, {
            afterSeq: job.point.seq,
            throughSeq: head.audit_seq,
            limit: stepSize,
          });
          stats.inBackground += rows.length;
          const step = continueChain(job.point, rows);
          if (!step.ok) {
            await record(deps, ownerId, step);
            return;
          }
          if (rows.length === 0) break;
          job.point = step.point;
          if (job.point.seq - saved >= saveEvery) {
            await save(deps, ownerId, job.point);
            saved = job.point.seq;
          }
        }
        if (stopped) {
          if (job.point.seq > saved) await save(deps, ownerId, job.point);
          return;
        }
        const result = endsAtHead(job.point, head);
        if (result.ok) await save(deps, ownerId, job.point);
        else await record(deps, ownerId, result);
      } catch (error) {
        // The next view of the page starts again from the last saved checkpoint.
        deps.logger?.error(
          { err: { type: (error as Error).name }, ownerId },
          'background access-log verification failed',
        );
      } finally {
        running.delete(ownerId);
      }
    })();
    running.set(ownerId, job);
  }

  function save(deps: AccessLogVerifierDeps, ownerId: string, point: ChainPoint) {
    return advanceAccessLogCheckpoint(db, {
      owner_id: ownerId,
      seq: point.seq,
      hash: point.hash,
      verified_at: deps.clock.now(),
    });
  }

  /** Keeps a break once found: the pages show it until a full verification finds the chain whole. */
  async function record(
    deps: AccessLogVerifierDeps,
    ownerId: string,
    result: Extract<ChainVerification, { ok: false }>,
  ): Promise<AccessLogStatus> {
    await replaceAccessLogCheckpoint(db, {
      owner_id: ownerId,
      seq: result.entries,
      hash: '',
      verified_at: deps.clock.now(),
      broken_at: result.brokenAt,
      reason: result.reason,
    });
    return result;
  }

  return {
    status,
    stats,
    async idle() {
      while (running.size > 0) await Promise.all([...running.values()].map((job) => job.done));
    },
    async stop() {
      stopped = true;
      await Promise.all([...running.values()].map((job) => job.done));
    },
  };
}

/**
 * Walks the owner's whole chain from the first entry (`verifyAccessLog`)
 * and records the outcome as the owner's checkpoint, whatever it held: a
 * break the pages could not see (an entry at or before the checkpoint
 * altered in place) shows on them from now on, and a chain found whole
 * again clears an earlier finding. What `kith audit verify` runs.
 *
 * @example
 * const result = await verifyAccessLogFully({ db, clock }, owner.id);
 */
export async function verifyAccessLogFully(
  deps: { db: Db; clock: Clock },
  ownerId: string,
): Promise<ChainVerification> {
  const result = await verifyAccessLog(deps.db, ownerId);
  await replaceAccessLogCheckpoint(deps.db, {
    owner_id: ownerId,
    seq: result.entries,
    hash: result.ok ? result.head || chainStart(ownerId).hash : '',
    verified_at: deps.clock.now(),
    broken_at: result.ok ? null : result.brokenAt,
    reason: result.ok ? null : result.reason,
  });
  return result;
}
