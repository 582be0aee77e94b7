import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The repository root (this file lives in `<root>/test/`). */
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The files that take most of a full run's time for few of its tests: they start `kith` as a process,
 * drive Chromium, crash a server under load, build or pack the packages, fuzz, or send a rate limit's
 * worth of requests. `pnpm test:fast`
 * (vitest.fast.config.ts) leaves them out; `pnpm test` runs everything.
 */
export const slowTestFiles = [
  'test/browser/**',
  'test/cli.test.ts',
  'test/keys-cli.test.ts',
  'test/owners-cli.test.ts',
  'test/backup-restore.test.ts',
  'test/fault-*.test.ts',
  'test/fuzz-inputs.test.ts',
  'test/packages.test.ts',
  'test/deploy.test.ts',
  'test/server-build.test.ts',
  'test/access-log-million.test.ts',
  'test/files-on-disk.test.ts',
  'test/metrics.test.ts',
  'test/vendor-rate-limit.test.ts',
  'test/sign-in-rate-limit.test.ts',
];

export default defineConfig({
  root,
  // Vite 8 (under Vitest 4) transforms TS/TSX with Oxc, not esbuild: hono/jsx, as in tsconfig.json.
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'hono/jsx' },
  },
  test: {
    // test/test-files.test.ts holds this list equal to every *.test.ts(x) in the repository.
    include: [
      'server/src/**/*.test.{ts,tsx}',
      'schemas/src/**/*.test.ts',
      'schemas/scripts/**/*.test.ts',
      'client-sdk/src/**/*.test.ts',
      'test/**/*.test.{ts,tsx}',
    ],
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
