/**
 * Vitest global setup: one throwaway PostgreSQL cluster for the whole run, and
 * the `kith` CLI bundled once (`kithBundle`, see kith-bundle.ts), built while
 * the cluster starts: every `kith` a test runs is then plain `node` on it.
 *
 * Provides `kithPostgresUrl` (the cluster's admin URL, or null when PostgreSQL is unavailable) and
 * `kithPostgresSkipReason` (why it is null). Honours `KITH_TEST_POSTGRES_URL` (use that server
 * instead of starting one). Under `CI=true` a missing PostgreSQL fails the run instead of skipping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildKithBundle } from './kith-bundle.ts';
import {
  findPostgresBinaries,
  POSTGRES_ROOT,
  type RunningCluster,
  startCluster,
} from './postgres-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL (database `postgres`) of the test PostgreSQL server; null when unavailable. */
    kithPostgresUrl: string | null;
    /** Why `kithPostgresUrl` is null (null when it is set). */
    kithPostgresSkipReason: string | null;
    /** The `kith` CLI as one ES module, built for this run. */
    kithBundle: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const bundleDir = mkdtempSync(join(tmpdir(), 'kith-bundle-'));
  const removeBundle = () => rmSync(bundleDir, { recursive: true, force: true });
  try {
    const [bundle, stopPostgres] = await Promise.all([
      buildKithBundle(join(bundleDir, 'kith.mjs')),
      startPostgres(project),
    ]);
    project.provide('kithBundle', bundle);
    return () => {
      stopPostgres();
      removeBundle();
    };
  } catch (error) {
    removeBundle();
    throw error;
  }
}

async function startPostgres(project: TestProject): Promise<() => void> {
  const external = process.env.KITH_TEST_POSTGRES_URL?.trim();
  if (external) {
    project.provide('kithPostgresUrl', external);
    project.provide('kithPostgresSkipReason', null);
    return () => {};
  }

  const binaries = findPostgresBinaries();
  if (!binaries) {
    const reason = `PostgreSQL not found (no initdb under ${POSTGRES_ROOT})`;
    if (process.env.CI === 'true') {
      throw new Error(`${reason}. CI=true: PostgreSQL suites must run; apt-get install postgresql.`);
    }
    process.stderr.write(
      `\n*** ${reason}: PostgreSQL suites are SKIPPED. apt-get install postgresql to run them. ***\n\n`,
    );
    project.provide('kithPostgresUrl', null);
    project.provide('kithPostgresSkipReason', reason);
    return () => {};
  }

  const cluster: RunningCluster = await startCluster(binaries);
  // If the run is interrupted and teardown never comes, do not leave a postgres behind.
  const onExit = () => cluster.stop();
  process.once('exit', onExit);
  project.provide('kithPostgresUrl', cluster.url);
  project.provide('kithPostgresSkipReason', null);
  return () => {
    process.off('exit', onExit);
    cluster.stop();
  };
}
