// Writes the table of field value shapes into client-sdk/README.md. Run from the repository root:
//   node_modules/.bin/tsx schemas/scripts/build-field-shapes.ts   (part of `pnpm schemas:build`)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withFieldShapes } from './field-shapes.ts';

const readmePath = fileURLToPath(new URL('../../client-sdk/README.md', import.meta.url));
writeFileSync(readmePath, withFieldShapes(readFileSync(readmePath, 'utf8')));
console.log(`wrote the field table in ${readmePath}`);
