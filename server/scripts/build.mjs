#!/usr/bin/env node
// `pnpm build` in server/: compiles the server into server/dist so it runs with plain `node`, no tsx at run
// time and from any working directory (`node server/dist/main.js serve`).
//
// - tsc compiles src/ (tests and fixtures left out); `rewriteRelativeImportExtensions` turns our `./x.ts`
//   imports into `./x.js`, and hono/jsx's runtime replaces React's for the pages.
// - @kith/schemas is a workspace package whose entry is TypeScript, which Node 20 cannot load. A compiled
//   copy goes to dist/node_modules/@kith/schemas: Node looks there first when main.js imports it.
// - The static files the pages serve are copied next to the compiled module that reads them.
// Plain Node ESM, no dependencies beyond the workspace's TypeScript.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const server = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(server, 'dist');
// Built beside dist and moved into place at the end, so a `kith` starting meanwhile (server/bin/kith.mjs
// runs dist when it exists) finds the old build whole, or none and runs the sources, never half of one.
const next = join(server, `dist.building-${process.pid}`);
const tsc = createRequire(join(server, '..', 'package.json')).resolve('typescript/bin/tsc');

function compile(project, outDir) {
  const args = [tsc, '-p', join(server, project), '--outDir', outDir];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
}

const schemas = join(next, 'node_modules', '@kith', 'schemas');
compile('tsconfig.build.json', next);
compile('tsconfig.schemas.json', schemas);
writeFileSync(
  join(schemas, 'package.json'),
  `${JSON.stringify({ name: '@kith/schemas', private: true, type: 'module', exports: { '.': './index.js' } }, null, 2)}\n`,
);
mkdirSync(join(next, 'web'), { recursive: true });
cpSync(join(server, 'src', 'web', 'static'), join(next, 'web', 'static'), { recursive: true });
rmSync(dist, { recursive: true, force: true });
renameSync(next, dist);
process.stdout.write(`built ${dist}\n`);
