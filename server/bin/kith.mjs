#!/usr/bin/env node
// The `kith` command: runs the TypeScript CLI through tsx, so the server needs no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The repository's own tsconfig, by path: tsx would otherwise read the one of the working folder
// (or none), lose the JSX settings (hono/jsx) and every page would answer 500.
register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import('../src/main.ts');
