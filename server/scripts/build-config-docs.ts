// Writes the table of environment variables into README.md. Run from the repository root:
//   node_modules/.bin/tsx server/scripts/build-config-docs.ts   (what `pnpm config:docs` runs)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from './config-docs.ts';

const readmePath = fileURLToPath(new URL('../../README.md', import.meta.url));
writeFileSync(readmePath, withConfigTable(readFileSync(readmePath, 'utf8')));
console.log(`wrote the configuration table in ${readmePath}`);
