/** The `kith` CLI as one bundled ES module, built once per test run by the global setup. */
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root, with a trailing slash. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** What `pnpm kith` runs. */
export const kithMain = `${repoRoot}server/src/main.ts`;

// esbuild is what tsx compiles TypeScript with; it is not a dependency of its own here, so it is loaded
// from tsx's folder (the real one: pnpm links packages) and typed by the little used.
interface EsbuildResolveArgs {
  path: string;
  importer: string;
  resolveDir: string;
  kind: string;
  pluginData?: unknown;
}
interface EsbuildPluginBuild {
  onResolve(
    options: { filter: RegExp },
    callback: (args: EsbuildResolveArgs) => Promise<{ path: string; external: true } | undefined>,
  ): void;
  onLoad(
    options: { filter: RegExp },
    callback: (args: { path: string }) => { contents: string; loader: 'ts' | 'tsx' } | undefined,
  ): void;
  resolve(
    path: string,
    options: Omit<EsbuildResolveArgs, 'path'>,
  ): Promise<{ path: string; external: boolean; errors: { text: string }[] }>;
}
interface Esbuild {
  build(options: {
    entryPoints: string[];
    outfile: string;
    bundle: true;
    platform: 'node';
    format: 'esm';
    target: string;
    sourcemap: 'linked';
    sourcesContent: false;
    logLevel: 'error';
    banner: { js: string };
    plugins: { name: string; setup(build: EsbuildPluginBuild): void }[];
  }): Promise<unknown>;
}

/** The database drivers, loaded from where they are installed (better-sqlite3 is native code). */
const unbundled = /^(better-sqlite3|pg)(\/|$)/;
const realRoot = `${realpathSync(repoRoot)}/`;
const isOwnSource = (path: string) => path.startsWith(realRoot) && !path.includes('/node_modules/');

/**
 * Builds `server/src/main.ts` and everything it imports (but the database drivers) into one ES module at
 * `outfile`: the same sources tsx would run, compiled by the same esbuild, without tsx's per-module
 * resolve and load hooks or its second process. The global setup builds it once per test run; every
 * `kith` a test runs is then plain `node` on it, from any directory.
 *
 * @example
 * const bundle = await buildKithBundle(join(dir, 'kith.mjs'));
 */
export async function buildKithBundle(outfile: string): Promise<string> {
  const esbuild = createRequire(realpathSync(`${repoRoot}node_modules/tsx/package.json`))(
    'esbuild',
  ) as Esbuild;
  await esbuild.build({
    entryPoints: [kithMain],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Stack traces in the server's output point at the TypeScript sources.
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'error',
    // Bundled CommonJS packages (pino) require Node's built-ins; an ES module has no `require` of its own.
    banner: {
      js: "import { createRequire as kithCreateRequire } from 'node:module'; const require = kithCreateRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'kith-test-bundle',
        setup(build) {
          build.onResolve({ filter: unbundled }, async ({ path, kind, importer, resolveDir, pluginData }) => {
            if (pluginData === unbundled) return undefined;
            const resolved = await build.resolve(path, {
              kind,
              importer,
              resolveDir,
              pluginData: unbundled,
            });
            if (resolved.errors.length > 0) throw new Error(resolved.errors.map((e) => e.text).join('\n'));
            // By absolute path: the bundle lives in the caller's directory, under no node_modules.
            return { path: resolved.path, external: true };
          });
          // Our sources find their files (static assets, other packages) next to themselves, not the bundle.
          build.onLoad({ filter: /\.tsx?$/ }, ({ path }) => {
            if (!isOwnSource(path)) return undefined;
            const source = readFileSync(path, 'utf8');
            if (!source.includes('import.meta.url')) return undefined;
            return {
              contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)),
              loader: path.endsWith('.tsx') ? 'tsx' : 'ts',
            };
          });
        },
      },
    ],
  });
  return outfile;
}
