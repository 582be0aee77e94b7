import { availableParallelism } from 'node:os';
import { defineConfig, mergeConfig } from 'vitest/config';
import config, { slowTestFiles } from './vitest.config.ts';

/**
 * `pnpm test:fast`, the inner loop: the full run's configuration without its slow files, and without a
 * fresh module graph per file (no test stubs a global it does not restore). A worker per core: most of
 * these tests wait on a database, not the CPU (Vitest's default leaves a core free). `pnpm test` stays
 * the full run, isolated.
 */
export default mergeConfig(
  config,
  defineConfig({
    test: {
      exclude: slowTestFiles,
      isolate: false,
      maxWorkers: availableParallelism(),
    },
  }),
);
