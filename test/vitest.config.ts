import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** The repository root (this file lives in `<root>/test/`). */
const root = fileURLToPath(new URL('..', import.meta.url));

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
