/** Running the real `kith` CLI as a child process, the way an operator does. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './postgres-cluster.ts';

export { freePort };

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsx = `${repoRoot}node_modules/.bin/tsx`;
// tsx's loader by absolute path: `node --import tsx` would resolve `tsx` from the child's cwd (a temp dir).
const tsxLoader = pathToFileURL(`${repoRoot}node_modules/tsx/dist/loader.mjs`).href;
const main = `${repoRoot}server/src/main.ts`;
const bin = `${repoRoot}server/bin/kith.mjs`;
/** What `pnpm build` compiles `main.ts` to: plain node runs it (build it first). */
export const builtMain = `${repoRoot}server/dist/main.js`;

/** The environment a child gets: ours minus any KITH_ settings, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KITH_')));
  return { ...base, ...env };
}

/** Runs `kith ARGS` to completion and returns what it printed. */
export async function runKith(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(tsx, [main, ...args], { cwd: options.cwd, env: childEnv(options.env ?? {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

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

const bundles = new Map<string, Promise<string>>();

/**
 * `server/src/main.ts` and everything it imports (but the database drivers) as one ES module, built into
 * `DIR/.kith-bundle/` once per test process and directory, and gone when the caller removes `DIR`. The same
 * sources tsx would run, compiled by the same esbuild, without tsx's per-module resolve and load hooks:
 * `kith serve` starts in about a quarter of the CPU time, which is most of a test that restarts it twenty
 * times.
 *
 * @example
 * const kith = await startKith({ cwd, runtime: 'bundle', env }); // builds into cwd on first use
 */
export function bundleKith(dir: string): Promise<string> {
  let bundle = bundles.get(dir);
  if (!bundle) {
    bundle = buildBundle(join(dir, '.kith-bundle', 'kith.mjs'));
    bundles.set(dir, bundle);
  }
  return bundle;
}

async function buildBundle(outfile: string): Promise<string> {
  const esbuild = createRequire(realpathSync(`${repoRoot}node_modules/tsx/package.json`))(
    'esbuild',
  ) as Esbuild;
  await esbuild.build({
    entryPoints: [main],
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

export interface RunningKith {
  url: string;
  /** The server process's id. */
  pid: number;
  /** Everything it printed, stdout and stderr interleaved. */
  output(): string;
  /** What it printed on stdout alone (where its log lines go). */
  stdout(): string;
  /** What it printed on stderr alone. */
  stderr(): string;
  /** SIGTERM, then the exit code once it has shut down. */
  stop(): Promise<number | null>;
  /** SIGKILL (`kill -9`): no shutdown at all; resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Starts `kith serve` and waits until `/healthz` answers. By default through
 * the `tsx` CLI (as `pnpm kith` runs it); `runtime: 'node'` runs
 * `node --import tsx` directly, one process instead of two, so the server is
 * the child itself (what a fault test kills) and it starts sooner;
 * `runtime: 'bundle'` runs `node` on {@link bundleKith}'s bundle, also one
 * process, and starts soonest (for tests that restart it many times);
 * `runtime: 'bin'` runs the `kith` command itself (`server/bin/kith.mjs`), as an installed package does.
 * `runtime: 'dist'` runs plain `node` on what `pnpm build` made.
 *
 * @example
 * const kith = await startKith({ cwd, runtime: 'node', port, env: { KITH_DATABASE_URL: url } });
 * await kith.kill(); // kill -9
 */
export async function startKith(options: {
  cwd: string;
  env?: Record<string, string>;
  runtime?: 'tsx' | 'node' | 'bundle' | 'bin' | 'dist';
  /** Listen on this port (e.g. the same one again after a restart); default a free one. */
  port?: number;
}): Promise<RunningKith> {
  const port = options.port ?? (await freePort());
  const [command, args] =
    options.runtime === 'dist'
      ? [process.execPath, [builtMain, 'serve']]
      : options.runtime === 'bundle'
        ? [process.execPath, ['--enable-source-maps', await bundleKith(options.cwd), 'serve']]
        : options.runtime === 'node'
          ? [process.execPath, ['--import', tsxLoader, main, 'serve']]
          : options.runtime === 'bin'
            ? [process.execPath, [bin, 'serve']]
            : [tsx, [main, 'serve']];
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: childEnv({ KITH_PORT: String(port), ...options.env }),
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kith serve exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kith serve did not answer /healthz within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid as number,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
