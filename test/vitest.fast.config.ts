import { defineConfig, mergeConfig } from 'vitest/config';
import config, { slowTestFiles } from './vitest.config.ts';

/**
 * `pnpm test:fast`, the inner loop: the full run's configuration without its slow files, and without a
 * fresh module graph per file (no test stubs a global it does not restore). `pnpm test` stays the full
 * run, isolated.
 */
export default mergeConfig(
  config,
  defineConfig({
    test: {
      exclude: slowTestFiles,
      isolate: false,
    },
  }),
);
