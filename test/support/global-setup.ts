/**
 * Vitest global setup: one throwaway PostgreSQL cluster for the whole run.
 *
 * Provides `kithPostgresUrl` (the cluster's admin URL, or null when PostgreSQL is unavailable) and
 * `kithPostgresSkipReason` (why it is null). Honours `KITH_TEST_POSTGRES_URL` (use that server
 * instead of starting one). Under `CI=true` a missing PostgreSQL fails the run instead of skipping.
 */
import type { TestProject } from 'vitest/node';
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
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
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
