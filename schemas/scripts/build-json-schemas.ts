// Writes schemas/json/ from the zod definitions. Run from the repository root:
//   node_modules/.bin/tsx schemas/scripts/build-json-schemas.ts
// The drift test (json-schemas.test.ts) fails until this has been run after a
// schema change, so the published files cannot disagree with the code.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateJsonDocuments, serializeJsonDocument } from './json-schemas.ts';

const outDir = fileURLToPath(new URL('../json/', import.meta.url));

async function buildJsonSchemas(): Promise<void> {
  const documents = generateJsonDocuments();
  await mkdir(outDir, { recursive: true });
  // Remove files for documents that no longer exist, so none linger stale.
  for (const name of await readdir(outDir)) {
    if (name.endsWith('.json') && !(name in documents)) await rm(new URL(name, `file://${outDir}`));
  }
  for (const [name, value] of Object.entries(documents)) {
    await writeFile(new URL(name, `file://${outDir}`), serializeJsonDocument(value));
  }
  console.log(`wrote ${Object.keys(documents).length} files to ${outDir}`);
}

await buildJsonSchemas();
