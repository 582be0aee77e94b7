#!/usr/bin/env node
// The `kith` command. After `pnpm build` it runs the compiled server (plain node, no TypeScript at run
// time); in a checkout that was never built it runs the sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  // The repository's own tsconfig, by path: tsx would otherwise read the one of the working folder
  // (or none), lose the JSX settings (hono/jsx) and every page would answer 500.
  register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
  await import('../src/main.ts');
}
