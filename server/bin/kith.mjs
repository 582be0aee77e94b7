#!/usr/bin/env node
// The `kith` command. After `pnpm build` it runs the compiled server (plain node, no TypeScript at run
// time); in a checkout that was never built it runs the sources through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
